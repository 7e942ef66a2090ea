import os

from piccolo.conf.apps import AppConfig

from amendments.tables import Amendment, AmendmentChange, AmendmentEvent, AmendmentSettings

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="amendments",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Amendment, AmendmentChange, AmendmentEvent, AmendmentSettings],
    migration_dependencies=["app.piccolo_app", "plans.piccolo_app", "tasks.piccolo_app"],
)
