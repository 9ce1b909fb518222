import re
import stat
from pathlib import Path

from marketplace import config

README = Path(__file__).resolve().parents[2] / "README.md"


def test_a_missing_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    first = config.from_environment()["SECRET_KEY"]
    second = config.from_environment()["SECRET_KEY"]
    assert first == second and len(first) >= 64
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/market")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    settings = config.from_environment()
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/market"
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_the_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.from_environment()["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'marketplace.db'}"
    )


def test_the_readme_documents_every_setting():
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README.read_text(), re.MULTILINE))
    assert set(config.SETTINGS) <= documented
