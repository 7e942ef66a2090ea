import os

from piccolo.conf.apps import AppConfig

from units.tables import UnitEvent

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="units",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[UnitEvent],
    migration_dependencies=["app.piccolo_app"],
)
