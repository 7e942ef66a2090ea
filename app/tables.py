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


class KnownDevice(Table, tablename="known_device"):
    """A browser this person signed in from before (the `parplan_device` cookie), which sign-in slows less.

    Only the SHA-256 of the cookie's token is stored. Rows stay for a year after the last sign-in
    (app/lockout.py); the back-off rules are there.
    """

    key = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()


class SignInClaim(Table, tablename="sign_in_claim"):
    """A sign-in whose password is being checked right now: claimed in a short transaction before argon2
    runs, deleted when the outcome is written. While it exists it counts as a refusal, so simultaneous
    guesses cannot pass the lockout check together (app/lockout.py)."""

    email = Varchar(length=255, index=True)  # the account tried, lowercased, whether it exists or not
    ip = Varchar(length=45, default="", index=True)
    known_device = Boolean(default=False)
    started_at = Timestamptz()


class ApiToken(Table, tablename="parplan_api_token"):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    key = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    name = Varchar(length=128, default="")
    created_at = Timestamptz()
    # Null only for a token made before expiry existed and not yet migrated (core_2026_12_03t10_00_00).
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)  # to the minute (app/tokens.py LAST_USED_EVERY)
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


class CredentialLink(Table, tablename="credential_link"):
    """A single-use emailed link to set a password: a reset (short-lived) or an invitation (a week).

    Only the SHA-256 of the link's token is stored, so a copy of the table opens nothing. Using it is a
    conditional UPDATE on `used_at IS NULL AND expires_at > now`: of two clicks, exactly one wins
    (accounts/links.py). Kept after use, as the record of who was invited and when.
    """

    key = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)  # an account's recent links: rate limit
    purpose = Varchar(length=8)  # "reset" | "invite"
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_by_id = Integer(null=True, default=None)  # the admin who forced the reset or invited; None: self
