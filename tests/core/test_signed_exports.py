"""A ZIP export's signed manifest, and checking it offline: which file or field fails."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from nacl.signing import SigningKey
from sqlalchemy import update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.evidence import chain, signing
from jobshots.core.exports import verify
from jobshots.core.exports import zip as zip_export
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.chain_hash import head_message
from jobshots.db.models import Photo
from jobshots.media.incoming import Spool
from tests.support import images

LATE = {"code": "late_upload", "text": "taken 5 days before upload", "hours": 120}


def _exported(ctx: Context, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A job of two photos, one flagged, exported to a file; the photos' paths by UUID."""
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example", "Olive Owner")
        principal = users.acting_as(made.owner)
        job = str(jobs.create(uow, principal, "Boiler service").uuid)
    flagged = _upload(ctx, principal, job, "before", "boiler.jpg", images.jpeg(colour="red"))
    _upload(ctx, principal, job, "after", "done.jpg", images.jpeg(colour="green"))
    with ctx.uow() as uow:
        uow.session.execute(
            update(Photo).where(Photo.uuid == uuid.UUID(flagged)).values(flags=[LATE])
        )
    with ctx.uow() as uow:
        download = zip_export.job_zip(uow, principal, job)
    out = tmp_path / "export.zip"
    out.write_bytes(b"".join(download.chunks))
    with zipfile.ZipFile(out) as archive:
        files = json.loads(archive.read("manifest.json"))["files"]
    return out, {f["photo_uuid"]: f["path"] for f in files}


def _upload(ctx: Context, principal: Principal, job: str, kind: str, name: str, data: bytes) -> str:
    spool = Spool(ctx.storage.staging_dir(), len(data), name)
    spool.write(data)
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, principal, job, [spool.finish()], photos.PhotoDetails(kind)
        )
    return str(shown.uuid)


def _public_key(ctx: Context) -> str:
    return signing.signer(ctx.settings.signing_key_bytes).public_key


def _rewritten(source: Path, out: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of the export, made with zipfile (so every CRC is right): `changes` replace
    members by name (None removes one); names not in the export are added."""
    by_name = dict(changes)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for name in old.namelist():
            data = by_name.pop(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
        for name, data in by_name.items():
            assert data is not None
            new.writestr(name, data)
    return out


def test_the_manifest_carries_flags_the_history_head_the_key_and_a_signature(
    ctx: Context, tmp_path: Path
) -> None:
    out, paths = _exported(ctx, tmp_path)
    with zipfile.ZipFile(out) as archive:
        raw = archive.read("manifest.json")
        signature = archive.read("manifest.json.sig").decode().strip()
        listing = archive.read("manifest.csv")
    document = json.loads(raw)
    key = _public_key(ctx)
    assert document["public_key"] == key
    assert signing.is_signed(key, raw, signature)
    assert not signing.is_signed(key, raw.replace(b"Boiler", b"Boiled"), signature)

    flags = {f["path"]: f["flags"] for f in document["files"]}
    assert sorted(flags.values(), key=len) == [[], [LATE]]
    rows = {r["path"]: r["flags"] for r in csv.DictReader(io.StringIO(listing.decode()))}
    assert rows == {path: " ".join(f["code"] for f in flags[path]) for path in flags}
    assert document["manifest_csv"]["size"] == len(listing)

    head = document["history_head"]
    with ctx.uow() as uow:
        now = chain.head(uow.session, head["company_id"])
    # The export's own event is chained after the manifest was written: the head it names is
    # the one before it, still signed by the server's key.
    assert now is not None
    assert head["seq"] == now.seq - 1
    assert signing.is_signed(
        key, head_message(head["company_id"], head["seq"], head["hash"]), head["signature"]
    )
    assert set(paths.values()) == set(flags)


def test_an_untouched_export_verifies_with_and_without_the_key(
    ctx: Context, tmp_path: Path
) -> None:
    out, paths = _exported(ctx, tmp_path)
    with_key = verify.verify(out, _public_key(ctx))
    assert with_key.problems == []
    assert with_key.files_checked == len(paths) + 1  # the photos and manifest.csv
    assert with_key.head_seq is not None
    assert "proves who made the export" in with_key.summary()[-1]
    without = verify.verify(out)
    assert without.ok
    assert "integrity only" in without.summary()[-1]


def test_a_changed_photo_is_named_whether_or_not_its_crc_was_fixed(
    ctx: Context, tmp_path: Path
) -> None:
    out, paths = _exported(ctx, tmp_path)
    path = sorted(paths.values())[0]
    with zipfile.ZipFile(out) as archive:
        original = archive.read(path)
        info = archive.getinfo(path)
    # Re-zipped with one byte changed: the archive is sound, only the SHA-256 catches it.
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    rezipped = _rewritten(out, tmp_path / "rezipped.zip", {path: bytes(changed)})
    assert verify.verify(rezipped, _public_key(ctx)).problems == [
        f"{path}: SHA-256 does not match the manifest"
    ]
    # Truncated: the size says so too.
    shorter = _rewritten(out, tmp_path / "shorter.zip", {path: original[:-10]})
    assert verify.verify(shorter).problems == [
        f"{path}: size does not match the manifest "
        f"({len(original) - 10} bytes, not {len(original)})",
        f"{path}: SHA-256 does not match the manifest",
    ]
    # One byte flipped in place: the archive's own CRC-32 fails first.
    flipped = tmp_path / "flipped.zip"
    data = bytearray(out.read_bytes())
    data[_data_offset(data, info) + len(original) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    assert verify.verify(flipped).problems == [
        f"{path}: changed after the export was made (its CRC-32 fails)"
    ]


def test_a_missing_or_an_added_file_is_named(ctx: Context, tmp_path: Path) -> None:
    out, paths = _exported(ctx, tmp_path)
    path = sorted(paths.values())[0]
    changes = {path: None, "before/extra.jpg": images.jpeg(colour="blue")}
    changed = _rewritten(out, tmp_path / "changed.zip", changes)
    assert verify.verify(changed).problems == [
        f"{path}: listed in the manifest but missing from the archive",
        "before/extra.jpg: in the archive but not in the manifest",
    ]
    csv_changed = _rewritten(out, tmp_path / "csv.zip", {"manifest.csv": b"path\r\n"})
    assert verify.verify(csv_changed).problems == [
        "manifest.csv: size does not match the manifest (6 bytes, not "
        f"{_member_size(out, 'manifest.csv')})",
        "manifest.csv: SHA-256 does not match the manifest",
    ]


def test_a_changed_manifest_fails_its_signature(ctx: Context, tmp_path: Path) -> None:
    out, paths = _exported(ctx, tmp_path)
    with zipfile.ZipFile(out) as archive:
        raw = archive.read("manifest.json")
        info = archive.getinfo("manifest.json")
    # A flag removed, the file re-zipped: only the signature catches it.
    edited = raw.replace(b'"late_upload"', b'"late_uplo4d"')
    assert edited != raw
    unflagged = _rewritten(out, tmp_path / "edited.zip", {"manifest.json": edited})
    assert verify.verify(unflagged).problems == ["manifest.json: signature does not verify"]
    unsigned = _rewritten(out, tmp_path / "unsigned.zip", {"manifest.json.sig": None})
    assert verify.verify(unsigned).problems == [
        "manifest.json.sig: missing, so the manifest is not signed"
    ]
    broken = _rewritten(out, tmp_path / "broken.zip", {"manifest.json": raw[:-20]})
    found = verify.verify(broken).problems
    assert found[0].startswith("manifest.json: not valid JSON")
    assert found[1:] == []
    # One byte flipped in place.
    data = bytearray(out.read_bytes())
    data[_data_offset(data, info) + 10] ^= 0x01
    (tmp_path / "flipped.zip").write_bytes(bytes(data))
    assert verify.verify(tmp_path / "flipped.zip").problems == [
        "manifest.json: changed after the export was made (its CRC-32 fails)"
    ]
    assert paths


def test_an_export_resigned_by_someone_else_passes_only_without_the_servers_key(
    ctx: Context, tmp_path: Path
) -> None:
    out, _ = _exported(ctx, tmp_path)
    with zipfile.ZipFile(out) as archive:
        document = json.loads(archive.read("manifest.json"))
    forger = SigningKey(b"f" * 32)
    document["public_key"] = base64.b64encode(bytes(forger.verify_key)).decode()
    document["history_head"]["signature"] = _sign(
        forger,
        head_message(
            document["history_head"]["company_id"],
            document["history_head"]["seq"],
            document["history_head"]["hash"],
        ),
    )
    raw = json.dumps(document).encode()
    forged = _rewritten(
        out,
        tmp_path / "forged.zip",
        {"manifest.json": raw, "manifest.json.sig": _sign(forger, raw).encode()},
    )
    # Consistent in itself: without a key from elsewhere nothing fails, and the output says
    # that proves integrity only.
    assert verify.verify(forged).ok
    assert verify.verify(forged, _public_key(ctx)).problems == [
        "manifest.json: signature does not verify with the given public key",
        "manifest.json: history_head signature does not verify with the given public key",
    ]
    assert verify.verify(out, document["public_key"]).problems == [
        "manifest.json: signature does not verify with the given public key",
        "manifest.json: history_head signature does not verify with the given public key",
    ]


def test_what_is_no_export_at_all_is_refused_clearly(tmp_path: Path) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    with pytest.raises(verify.NotAnExport, match=r"notes\.zip: not a readable ZIP file"):
        verify.verify(text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(verify.NotAnExport, match=r"no manifest\.json inside"):
        verify.verify(other)
    with pytest.raises(verify.NotAnExport, match="cannot be read"):
        verify.verify(tmp_path / "absent.zip")
    for key in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(verify.BadKey):
            verify.verify(other, key)


def test_a_truncated_export_is_refused_clearly(ctx: Context, tmp_path: Path) -> None:
    out, _ = _exported(ctx, tmp_path)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(out.read_bytes()[:-200])
    with pytest.raises(verify.NotAnExport, match=r"cut\.zip: not a readable ZIP file"):
        verify.verify(cut)


def _sign(key: SigningKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message).signature).decode()


def _member_size(archive_path: Path, name: str) -> int:
    with zipfile.ZipFile(archive_path) as archive:
        return archive.getinfo(name).file_size


def _data_offset(data: bytearray, info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes begin: after its local header, name and extra field."""
    start = info.header_offset
    name_length = int.from_bytes(data[start + 26 : start + 28], "little")
    extra_length = int.from_bytes(data[start + 28 : start + 30], "little")
    return start + 30 + name_length + extra_length
