from click.testing import CliRunner

from app.auth import verify_password
from app.cli import main
from app.tables import Unit, User
from tests.builders import count


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_unit_and_user_creation_from_the_command_line():
    assert invoke("unit", "create", "stp", "--name", "Sở Tư pháp", "--kind", "department",
                  "--block", "Khối sở, ban, ngành").exit_code == 0
    result = invoke("user", "create", "DauMoi@STP.vn", "--role", "focal_point", "--unit", "STP",
                    "--password", "mat-khau-dai")
    assert result.exit_code == 0, result.output
    user = User.objects().first().run_sync()
    unit = Unit.objects().first().run_sync()
    assert (user.email, user.role, user.unit, unit.code) == ("daumoi@stp.vn", "focal_point", unit.id, "STP")
    assert user.password_hash.startswith("$argon2") and verify_password(user.password_hash, "mat-khau-dai")
    # The unit's history starts with its creation, and the act is in the audit log.
    from app.tables import AuditEvent
    from units.tables import UnitEvent

    assert [e["action"] for e in UnitEvent.select(UnitEvent.action).where(UnitEvent.unit == unit.id).run_sync()] == [
        "created"]
    assert AuditEvent.count().where(AuditEvent.action == "unit_created").run_sync() == 1


def test_a_generated_password_is_printed_once():
    result = invoke("user", "create", "admin@tinh.vn", "--role", "admin")
    assert result.exit_code == 0
    password = result.output.strip().splitlines()[-1].split(": ", 1)[1]
    assert verify_password(User.objects().first().run_sync().password_hash, password)


def test_bad_account_input_is_refused_with_a_reason_and_creates_nothing():
    cases = [
        (("user", "create", "not-an-email", "--role", "admin", "--password", "longenough"), "không phải là địa chỉ email"),
        (("user", "create", "a@b.vn", "--role", "focal_point", "--password", "longenough"), "cần thuộc một đơn vị"),
        (("user", "create", "a@b.vn", "--role", "focal_point", "--unit", "XX", "--password", "longenough"), "XX"),
        (("user", "create", "a@b.vn", "--role", "admin", "--password", "short"), "8"),
        (("unit", "create", "bad code!", "--name", "X", "--kind", "department"), "Mã đơn vị"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert count(User) == 0 and count(Unit) == 0


def test_an_email_is_used_once():
    invoke("user", "create", "a@b.vn", "--role", "admin", "--password", "longenough")
    result = invoke("user", "create", "A@b.vn", "--role", "steering", "--password", "longenough")
    assert result.exit_code != 0 and "đã tồn tại" in result.output
    assert count(User) == 1


def test_a_district_merged_in_2025_names_its_successor_commune():
    import datetime as dt

    assert invoke("unit", "create", "XDM", "--name", "Xã Đắk Mil", "--kind", "commune").exit_code == 0
    result = invoke("unit", "create", "HDM", "--name", "Huyện Đắk Mil", "--kind", "district",
                    "--effective-to", "2025-06-30", "--successor", "xdm")
    assert result.exit_code == 0, result.output
    district = Unit.objects().where(Unit.code == "HDM").first().run_sync()
    commune = Unit.objects().where(Unit.code == "XDM").first().run_sync()
    assert (district.effective_to, district.successor) == (dt.date(2025, 6, 30), commune.id)


def test_a_unit_cannot_end_before_it_starts_or_name_an_unknown_successor():
    bad_dates = invoke("unit", "create", "A1", "--name", "A", "--kind", "other", "--effective-from", "2025-07-01",
                       "--effective-to", "2025-01-01")
    unknown = invoke("unit", "create", "A2", "--name", "A", "--kind", "other", "--successor", "NONE")
    assert bad_dates.exit_code != 0 and "không được trước" in bad_dates.output
    assert unknown.exit_code != 0 and "NONE" in unknown.output
    assert count(Unit) == 0
