import os

from piccolo.conf.apps import AppConfig

from reminders.tables import CalendarDay, OutboxEmail, Reminder, ReminderPolicy, SweepRun

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="reminders",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[ReminderPolicy, CalendarDay, OutboxEmail, Reminder, SweepRun],
    migration_dependencies=["app.piccolo_app", "tasks.piccolo_app"],
)
