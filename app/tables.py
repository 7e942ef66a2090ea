from piccolo.columns import OnDelete, Boolean, Date, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.readable import Readable
from piccolo.table import Table

UNIT_KINDS = ("department", "commune", "district", "ministry", "other")
ROLES = ("admin", "secretariat", "steering", "unit_head", "focal_point")
UNIT_ROLES = ("unit_head", "focal_point")


class Unit(Table):
    """A department (sở, ban, ngành), commune, district (before 2025) or ministry."""

    code = Varchar(length=32, unique=True)
    name = Varchar(length=255)
    kind = Varchar(length=16, default="department")
    block = Varchar(length=128, default="", index=True)  # ranking block (khối)
    parent = ForeignKey("self", null=True, on_delete=OnDelete.set_null)
    effective_from = Date(null=True, default=None)
    effective_to = Date(null=True, default=None)
    successor = ForeignKey("self", null=True, on_delete=OnDelete.set_null)

    @classmethod
    def get_readable(cls):
        return Readable(template="%s", columns=[cls.name])


class User(Table, tablename="parplan_user"):
    email = Varchar(length=255, unique=True)
    full_name = Varchar(length=255, default="")
    password_hash = Varchar(length=255, default="")
    role = Varchar(length=16)
    unit = ForeignKey(Unit, null=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    language = Varchar(length=2, default="vi")
    reminders = Boolean(default=True)  # the daily digest of deadlines; the person can turn it off
    reminder_hour = SmallInt(null=True, default=None)  # local hour to receive it; None: at the sweep


class Session(Table, tablename="parplan_session"):
    """A login. Kept in the database so any app process can serve any request.

    Only the SHA-256 of the cookie's token is stored: a copy of the table opens no session.
    """

    key = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class ApiToken(Table, tablename="parplan_api_token"):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    key = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    name = Varchar(length=128, default="")
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class AuditEvent(Table, tablename="audit_event"):
    """Who did what, when and from where: sign-ins, refused sign-ins, account, rule and evidence changes.

    Append-only: database triggers refuse UPDATE and DELETE (migration core_2026_11_26t01_20_00), and no
    page or command edits it. The actor is copied as id and email, not a foreign key, so the record outlives
    any change to the account.
    """

    at = Timestamptz(index=True)
    action = Varchar(length=32, index=True)
    actor_id = Integer(null=True, default=None)
    actor_email = Varchar(length=255, default="", index=True)
    target = Varchar(length=255, default="")
    detail = Text(default="{}")  # JSON: before/after values, reasons
    ip = Varchar(length=45, default="")
