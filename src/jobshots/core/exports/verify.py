"""Check an exported ZIP offline: every file against its manifest, and the signatures on both.

Needs only the ZIP and a public key: no database, no server, no settings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobshots.core.evidence.signing import is_signed
from jobshots.core.exports.manifest import JSON_NAME, SIGNATURE_NAME
from jobshots.db.chain_hash import head_message

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class NotAnExport(Exception):
    """The file cannot be read as a Jobshots export at all (not a ZIP, damaged, no manifest)."""


class BadKey(Exception):
    """The public key given is not a base64 Ed25519 public key."""


@dataclass
class Verdict:
    """What checking one export found: its problems, one line each, and what was checked."""

    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    head_seq: int | None = None
    key_given: bool = False

    @property
    def ok(self) -> bool:
        """Whether nothing failed."""
        return not self.problems

    def summary(self) -> list[str]:
        """The closing lines for a person: what holds, and what the key proves."""
        lines = []
        if self.ok:
            head = (
                f"history head {self.head_seq} signed"
                if self.head_seq is not None
                else "no history head recorded"
            )
            lines.append(
                f"OK: {self.files_checked} files match the manifest; "
                f"manifest signature verifies; {head}"
            )
        else:
            count = len(self.problems)
            lines.append(f"FAILED: {count} problem(s); the export is not as it was made")
        if self.key_given:
            lines.append("Checked with the public key given: it proves who made the export.")
        else:
            lines.append(
                "Checked with the public key inside the export: this proves integrity only, "
                "not who made it; pass --public-key (from `jobshots keys public`) for that."
            )
        return lines


def verify(path: Path, public_key: str | None = None) -> Verdict:
    """Check the export at `path`; NotAnExport when it is no readable ZIP with a manifest."""
    if public_key is not None:
        _check_key(public_key)
    try:
        with zipfile.ZipFile(path) as archive:
            return _verify(archive, public_key)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise NotAnExport(f"{path.name}: not a readable ZIP file ({exc})") from exc
    except OSError as exc:
        raise NotAnExport(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _verify(archive: zipfile.ZipFile, public_key: str | None) -> Verdict:
    verdict = Verdict(key_given=public_key is not None)
    problems = verdict.problems
    names = Counter(name for name in archive.namelist() if not name.endswith("/"))
    if JSON_NAME not in names:
        raise NotAnExport(f"no {JSON_NAME} inside: not a Jobshots export")
    problems += [f"{name}: appears {n} times in the archive" for name, n in names.items() if n > 1]
    raw = _read(archive, JSON_NAME)
    if raw is None:
        problems.append(f"{JSON_NAME}: changed after the export was made (its CRC-32 fails)")
        return verdict
    document = _parsed(raw, problems)
    key = public_key if public_key is not None else (document or {}).get("public_key")
    if document is None and key is None:
        return verdict
    if not isinstance(key, str) or not key:
        problems.append(f"{JSON_NAME}: no public key in the manifest; pass --public-key")
        key = None
    else:
        _check_signature(archive, raw, key, verdict)
    if document is None:
        return verdict
    if key is not None:
        _check_head(document, key, verdict)
    listed = _listed(document, problems)
    for path, (sha256, size) in listed.items():
        if path not in names:
            problems.append(f"{path}: listed in the manifest but missing from the archive")
            continue
        problems += _file_problems(archive, path, sha256, size)
        verdict.files_checked += 1
    expected = {*listed, JSON_NAME, SIGNATURE_NAME}
    problems += [f"{name}: in the archive but not in the manifest" for name in names
                 if name not in expected]  # fmt: skip
    return verdict


def _check_key(public_key: str) -> None:
    try:
        decoded = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadKey("the public key is not base64") from exc
    if len(decoded) != 32:
        raise BadKey("the public key is not an Ed25519 public key (32 bytes, base64)")


def _parsed(raw: bytes, problems: list[str]) -> dict[str, Any] | None:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{JSON_NAME}: not valid JSON ({exc})")
        return None
    if not isinstance(document, dict):
        problems.append(f"{JSON_NAME}: not a manifest (expected a JSON object)")
        return None
    return document


def _check_signature(archive: zipfile.ZipFile, raw: bytes, key: str, verdict: Verdict) -> None:
    try:
        signature = archive.read(SIGNATURE_NAME).decode("ascii").strip()
    except KeyError:
        verdict.problems.append(f"{SIGNATURE_NAME}: missing, so the manifest is not signed")
        return
    except (zipfile.BadZipFile, UnicodeDecodeError):
        signature = ""
    if not is_signed(key, raw, signature):
        given = " with the given public key" if verdict.key_given else ""
        verdict.problems.append(f"{JSON_NAME}: signature does not verify{given}")


def _check_head(document: dict[str, Any], key: str, verdict: Verdict) -> None:
    head = document.get("history_head")
    if head is None:
        return
    try:
        company_id, seq = int(head["company_id"]), int(head["seq"])
        message = head_message(company_id, seq, str(head["hash"]))
        signature = str(head["signature"])
    except (TypeError, KeyError, ValueError):
        verdict.problems.append(f"{JSON_NAME}: history_head is incomplete")
        return
    if not is_signed(key, message, signature):
        given = " with the given public key" if verdict.key_given else ""
        verdict.problems.append(f"{JSON_NAME}: history_head signature does not verify{given}")
        return
    verdict.head_seq = seq


def _listed(document: dict[str, Any], problems: list[str]) -> dict[str, tuple[str, int]]:
    """Each file the manifest lists (manifest.csv too): its SHA-256 and size, by path."""
    entries = document.get("files")
    if not isinstance(entries, list):
        problems.append(f"{JSON_NAME}: files is missing or not a list")
        entries = []
    listed: dict[str, tuple[str, int]] = {}
    named = [(f"files[{n}]", entry) for n, entry in enumerate(entries)]
    for where, entry in [*named, ("manifest_csv", document.get("manifest_csv"))]:
        path, sha256, size = _entry(entry)
        if path is None or sha256 is None or size is None:
            problems.append(f"{JSON_NAME}: {where} lacks a path, SHA-256 or size")
        elif path in listed:
            problems.append(f"{JSON_NAME}: {where} lists {path} a second time")
        else:
            listed[path] = (sha256, size)
    return listed


def _entry(entry: Any) -> tuple[str | None, str | None, int | None]:
    if not isinstance(entry, dict):
        return None, None, None
    path, sha256, size = entry.get("path"), entry.get("sha256"), entry.get("size")
    return (
        path if isinstance(path, str) and path else None,
        sha256 if isinstance(sha256, str) and _SHA256.fullmatch(sha256) else None,
        size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
    )


def _file_problems(archive: zipfile.ZipFile, path: str, sha256: str, size: int) -> list[str]:
    digest, seen = hashlib.sha256(), 0
    try:
        with archive.open(path) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
                seen += len(chunk)
    except zipfile.BadZipFile:
        return [f"{path}: changed after the export was made (its CRC-32 fails)"]
    problems = []
    if seen != size:
        problems.append(f"{path}: size does not match the manifest ({seen} bytes, not {size})")
    if digest.hexdigest() != sha256:
        problems.append(f"{path}: SHA-256 does not match the manifest")
    return problems


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """The member's bytes, or None when they fail the archive's own CRC-32."""
    try:
        return archive.read(name)
    except zipfile.BadZipFile:
        return None
