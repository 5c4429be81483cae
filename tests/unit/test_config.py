"""Settings: validated once, and no default secrets outside development mode."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from pydantic import ValidationError

from jobshots.config import Settings

SEED = base64.b64encode(b"e" * 32).decode()
GOOD_KEY = base64.b64encode(b"x" * 32).decode()


def test_defaults_are_the_embedded_ones_in_dev_mode() -> None:
    settings = Settings(dev=True)
    assert settings.database_url == "sqlite:///./data/jobshots.db"
    assert settings.storage_url == "file://./data/media"
    assert settings.max_upload_bytes == 20 * 1024 * 1024


def test_default_secret_key_is_refused_outside_dev_mode() -> None:
    with pytest.raises(ValidationError, match="JOBSHOTS_SECRET_KEY"):
        Settings(dev=False, encryption_key=GOOD_KEY)


def test_default_encryption_key_is_refused_outside_dev_mode() -> None:
    with pytest.raises(ValidationError, match="JOBSHOTS_ENCRYPTION_KEY"):
        Settings(dev=False, secret_key="s3cret-for-real")


def test_default_signing_key_is_refused_outside_dev_mode() -> None:
    with pytest.raises(ValidationError, match="JOBSHOTS_SIGNING_KEY"):
        Settings(dev=False, secret_key="s3cret-for-real", encryption_key=GOOD_KEY)


def test_real_secrets_are_accepted() -> None:
    settings = Settings(
        dev=False, secret_key="s3cret-for-real", encryption_key=GOOD_KEY, signing_key=SEED
    )
    assert settings.encryption_key_bytes == b"x" * 32
    assert settings.signing_key_bytes == b"e" * 32


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"short").decode()])
def test_signing_key_must_be_32_bytes_of_base64(key: str) -> None:
    with pytest.raises(ValidationError, match="signing_key"):
        Settings(dev=True, signing_key=key)


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"short").decode()])
def test_encryption_key_must_be_32_bytes_of_base64(key: str) -> None:
    with pytest.raises(ValidationError, match="encryption_key"):
        Settings(dev=True, encryption_key=key)


def test_unknown_storage_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="storage_url"):
        Settings(dev=True, storage_url="ftp://example.com/media")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBSHOTS_DEV", "1")
    monkeypatch.setenv("JOBSHOTS_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("JOBSHOTS_BASE_URL", "https://photos.example.com/")
    settings = Settings()
    assert settings.max_upload_bytes == 1234
    assert settings.base_url == "https://photos.example.com"


def test_server_refuses_to_start_with_default_secrets(tmp_path: object) -> None:
    env = {"PATH": "/usr/bin:/bin", "JOBSHOTS_DEV": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "jobshots", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(tmp_path),
    )
    assert result.returncode == 2
    assert "JOBSHOTS_SECRET_KEY" in result.stderr


def test_previous_encryption_keys_are_a_comma_separated_list_of_keys() -> None:
    other = base64.b64encode(b"y" * 32).decode()
    settings = Settings(dev=True, previous_encryption_keys=f" {GOOD_KEY}, {other} ")
    assert settings.previous_encryption_key_bytes == [b"x" * 32, b"y" * 32]
    assert Settings(dev=True).previous_encryption_key_bytes == []
    with pytest.raises(ValidationError, match="previous_encryption_keys must decode"):
        Settings(dev=True, previous_encryption_keys=f"{GOOD_KEY},{base64.b64encode(b'x').decode()}")
