import os

from piccolo.conf.apps import AppConfig

from app.tables import ApiToken, AuditEvent, Session, Unit, User
from app.tables import KnownDevice, SignInClaim
from app.tables import CredentialLink

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Unit, User, Session, ApiToken, AuditEvent, KnownDevice, SignInClaim, CredentialLink],
)
