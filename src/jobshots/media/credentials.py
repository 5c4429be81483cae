"""C2PA Content Credentials embedded in a file: present or not, who signed, whether they hold."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The SDK's validation states: "Trusted" also means the signer is on a trust list.
_HOLDING_STATES = frozenset({"Valid", "Trusted"})
# Reading must never reach out to the network from a worker.
_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
_MAX_MESSAGES = 10


@dataclass(frozen=True)
class Credentials:
    """What a file's Content Credentials say; `status` is absent, valid, invalid or unreadable."""

    status: str
    present: bool
    signer: str | None = None
    valid: bool | None = None
    trusted: bool | None = None
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, as stored with the photo."""
        return asdict(self)


def read(path: Path, mime_type: str) -> Credentials:
    """Read and validate the C2PA manifest of the file at `path`; never raises."""
    try:
        return _read(path, mime_type)
    except Exception as exc:
        # A broken manifest or an SDK fault must not fail the photo it came with.
        log.warning("content credentials of %s unreadable: %s", path, exc)
        return Credentials(status="unreadable", present=False, messages=[_short(str(exc))])


def _read(path: Path, mime_type: str) -> Credentials:
    # Imported here so a native library that fails to load is one more unreadable case.
    import c2pa  # type: ignore[import-untyped]

    if mime_type not in c2pa.Reader.get_supported_mime_types():
        return Credentials(status="absent", present=False)
    with path.open("rb") as stream:
        context = c2pa.Context(c2pa.Settings.from_dict(_SETTINGS))
        reader = c2pa.Reader.try_create(mime_type, stream, context=context)
        if reader is None:
            return Credentials(status="absent", present=False)
        with reader:
            state = reader.get_validation_state()
            manifest = reader.get_active_manifest() or {}
            results = reader.get_validation_results() or {}
    valid = state in _HOLDING_STATES
    return Credentials(
        status="valid" if valid else "invalid",
        present=True,
        signer=_signer(manifest.get("signature_info") or {}),
        valid=valid,
        trusted=state == "Trusted",
        messages=_failures(results),
    )


def _signer(info: dict[str, Any]) -> str | None:
    """The signing certificate's name and organisation, as the SDK reports them."""
    name, issuer = info.get("common_name"), info.get("issuer")
    if name and issuer and name != issuer:
        return _short(f"{name} ({issuer})")
    return _short(str(name or issuer)) if (name or issuer) else None


def _failures(results: dict[str, Any]) -> list[str]:
    """The active manifest's failed checks, as the SDK explains them."""
    failures = (results.get("activeManifest") or {}).get("failure") or []
    return [
        _short(str(item.get("explanation") or item.get("code")))
        for item in failures[:_MAX_MESSAGES]
        if isinstance(item, dict)
    ]


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"
