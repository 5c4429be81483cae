"""A ZIP downloaded from a real server, checked by `jobshots verify` far from the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from jobshots.db.models import Photo
from tests.support.images import jpeg
from tests.support.stack import Stack, running_stack
from tests.support.web import signed_in

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"export-verify-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}) as running:
        yield running


@pytest.fixture(scope="module")
def exported(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A job of three processed photos, downloaded as the web app serves its ZIP."""
    owner = stack.new_tenant("Verify Roofing")
    job = stack.new_job(owner, "Roof leak")
    for name, colour in {"ridge.jpg": "red", "valley.jpg": "blue", "gutter.jpg": "green"}.items():
        stack.upload(owner, job, name, jpeg(80, 60, colour), photo_type="before")
    stack.settle()
    with signed_in(stack, owner.owner_email) as browser:
        got = browser.get(f"/app/jobs/{job}/export.zip")
    assert got.status_code == 200, got.text
    out = tmp_path_factory.mktemp("downloads") / "roof-leak.zip"
    out.write_bytes(got.content)
    return out


@pytest.fixture(scope="module")
def public_key(stack: Stack) -> str:
    """The server's key, as its operator prints it."""
    return stack.server.cli("keys", "public").stdout.strip()


def _verify(zip_path: Path, elsewhere: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`jobshots verify` in another directory, with no database, storage or key configured."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("JOBSHOTS_")}
    return subprocess.run(
        [sys.executable, "-m", "jobshots", "verify", str(zip_path), *args],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _flipped(source: Path, member: str, out: Path) -> Path:
    """A copy of the ZIP with one byte of `member`'s stored bytes flipped in place."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(member)
    start = info.header_offset
    name_length = int.from_bytes(data[start + 26 : start + 28], "little")
    extra_length = int.from_bytes(data[start + 28 : start + 30], "little")
    data[start + 30 + name_length + extra_length + info.file_size // 2] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def test_the_servers_zip_verifies_offline_with_the_servers_key(
    stack: Stack, exported: Path, public_key: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(exported) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["public_key"] == public_key
    assert manifest["history_head"]["seq"] > 0
    # Each photo's flags in the manifest are what the pipeline stored for it.
    stored = dict(stack.rows(select(Photo.uuid, Photo.flags)))
    for entry in manifest["files"]:
        assert entry["flags"] == stored[uuid.UUID(entry["photo_uuid"])]

    checked = _verify(exported, tmp_path, "--public-key", public_key)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert lines[0] == (
        "OK: 4 files match the manifest; manifest signature verifies; "
        f"history head {manifest['history_head']['seq']} signed"
    )
    assert "proves who made the export" in lines[1]
    assert list(tmp_path.iterdir()) == []

    unkeyed = _verify(exported, tmp_path)
    assert unkeyed.returncode == 0, unkeyed.stdout + unkeyed.stderr
    assert "integrity only" in unkeyed.stdout


def test_a_flipped_byte_in_a_photo_fails_naming_that_photo(
    exported: Path, public_key: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(exported) as archive:
        photo = json.loads(archive.read("manifest.json"))["files"][1]["path"]
    damaged = _flipped(exported, photo, tmp_path / "damaged.zip")
    checked = _verify(damaged, tmp_path, "--public-key", public_key)
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert lines[0] == f"{photo}: changed after the export was made (its CRC-32 fails)"
    assert lines[1].startswith("FAILED: 1 problem(s)")


def test_a_flipped_byte_in_the_manifest_fails_naming_the_manifest(
    exported: Path, public_key: str, tmp_path: Path
) -> None:
    damaged = _flipped(exported, "manifest.json", tmp_path / "damaged.zip")
    checked = _verify(damaged, tmp_path, "--public-key", public_key)
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[0].startswith("manifest.json: ")
    assert "FAILED" in checked.stdout


def test_another_key_fails_naming_the_signature(exported: Path, tmp_path: Path) -> None:
    other_key = "Q" * 43 + "="
    checked = _verify(exported, tmp_path, "--public-key", other_key)
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[:2] == [
        "manifest.json: signature does not verify with the given public key",
        "manifest.json: history_head signature does not verify with the given public key",
    ]


def test_what_is_not_a_zip_is_refused_with_a_clear_error(exported: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("meeting notes, not an export")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(exported.read_bytes()[:-100])
    for path in (text, cut, tmp_path / "absent.zip"):
        refused = _verify(path, tmp_path)
        assert refused.returncode == 2, path
        assert refused.stderr.startswith("error: "), refused.stderr
        assert path.name in refused.stderr
        assert "Traceback" not in refused.stderr
    badly_keyed = _verify(exported, tmp_path, "--public-key", "not-a-key")
    assert (badly_keyed.returncode, badly_keyed.stderr.strip()) == (
        2,
        "error: the public key is not base64",
    )
