import os

from piccolo.conf.apps import AppConfig

from scoring.tables import ManualScore, ScoringRule, ScoringRuleVersion

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="scoring",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[ScoringRule, ScoringRuleVersion, ManualScore],
    migration_dependencies=["app.piccolo_app", "tasks.piccolo_app"],
)
