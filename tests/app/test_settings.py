import pytest

from app.settings import SettingsError, load


def test_defaults_are_a_local_sqlite_file_and_local_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("PARPLAN_VAR_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "PARPLAN_EVIDENCE_DIR", "PARPLAN_OUTBOX_DIR", "PARPLAN_SECRET_KEY", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load()
    assert settings.database_url == f"sqlite:///{tmp_path / 'parplan.sqlite3'}"
    assert settings.evidence_dir == tmp_path / "evidence"
    assert settings.outbox_dir == tmp_path / "outbox"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert len(settings.secret_key) >= 32
    assert load().secret_key == settings.secret_key  # kept on disk: every local process agrees


def test_postgresql_comes_from_database_url(monkeypatch, tmp_path):
    monkeypatch.setenv("PARPLAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal:5432/parplan")
    assert load().is_postgres


@pytest.mark.parametrize("name, value", [
    ("PARPLAN_DEBUG", "yes"),
    ("DATABASE_URL", "mysql://root@localhost/parplan"),
    ("PARPLAN_SECRET_KEY", "too-short"),
    ("REDIS_URL", "http://localhost:6379"),
])
def test_a_setting_it_cannot_use_is_an_error_not_a_default(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("PARPLAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load()


def test_a_mistyped_parplan_variable_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PARPLAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("PARPLAN_SECRETKEY", "x" * 40)
    with pytest.raises(SettingsError, match="PARPLAN_SECRETKEY"):
        load()


def test_cookies_are_secure_by_default_when_parplan_is_served_at_an_https_address(monkeypatch, tmp_path):
    monkeypatch.setenv("PARPLAN_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PARPLAN_SECURE_COOKIES", raising=False)
    monkeypatch.setenv("PARPLAN_BASE_URL", "http://127.0.0.1:8000")
    assert load().secure_cookies is False
    monkeypatch.setenv("PARPLAN_BASE_URL", "https://cchc.daknong.gov.vn")
    assert load().secure_cookies is True
    monkeypatch.setenv("PARPLAN_SECURE_COOKIES", "false")  # said plainly, it wins
    assert load().secure_cookies is False


@pytest.fixture
def fresh_settings(monkeypatch):
    """serving_at writes PARPLAN_BASE_URL and drops the cached settings: both are put back afterwards."""
    from app.settings import get_settings

    monkeypatch.setenv("PARPLAN_BASE_URL", "")  # recorded, so the value serving_at writes is undone
    yield get_settings
    get_settings.cache_clear()


def test_links_follow_the_host_and_port_a_demo_or_server_is_started_on(fresh_settings):
    from app.settings import serving_at

    serving_at("127.0.0.1", 8123)
    assert fresh_settings().base_url == "http://127.0.0.1:8123"


def test_the_public_address_wins_over_the_served_port(fresh_settings, monkeypatch):
    from app.settings import serving_at

    monkeypatch.setenv("PARPLAN_BASE_URL", "https://cchc.daknong.gov.vn/")
    serving_at("127.0.0.1", 8123)
    assert fresh_settings().base_url == "https://cchc.daknong.gov.vn"


def test_a_server_on_every_interface_is_linked_by_the_machines_name():
    import socket

    from app.settings import served_base_url

    assert served_base_url("0.0.0.0", 8123) == f"http://{socket.getfqdn()}:8123"
    assert served_base_url("::1", 8123) == "http://[::1]:8123"


def test_a_reminder_email_links_to_the_port_the_demo_serves_on(fresh_settings):
    import datetime as dt

    from app.settings import serving_at
    from reminders.mail import compose_digest

    serving_at("127.0.0.1", 8123)
    item = {"recipient": 1, "kind": "due", "days": 0, "task_id": 7, "number": "1", "content": "Rà soát",
            "due_date": dt.date(2025, 6, 30), "field_name": "Cải cách thể chế", "plan_id": 1, "unit_name": "Sở Tư pháp"}
    person = {"id": 1, "email": "a@example.vn", "full_name": "An", "language": "vi", "reminder_hour": None}
    _subject, text, html = compose_digest(person, dt.date(2025, 6, 30), [item])
    assert "http://127.0.0.1:8123/tasks/7" in text and 'href="http://127.0.0.1:8123/tasks/7"' in html
    assert "127.0.0.1:8000" not in text + html


def test_parplan_serve_on_another_port_links_its_emails_to_that_port(fresh_settings, monkeypatch):
    from click.testing import CliRunner

    import app.cli as cli

    async def no_migration(quiet: bool = True) -> None:
        return None

    seen = {}
    monkeypatch.setattr(cli, "migrate_db", no_migration)
    monkeypatch.setattr(cli, "_serve", lambda host, port, workers=1: seen.update(base=fresh_settings().base_url))
    result = CliRunner().invoke(cli.main, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["base"] == "http://127.0.0.1:8123"
