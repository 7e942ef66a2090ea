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
