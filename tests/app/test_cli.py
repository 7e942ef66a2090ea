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
