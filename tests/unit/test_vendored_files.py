"""Every vendored front-end file is the one its manifest names, byte for byte, and nothing else."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jobshots.web

VENDOR = Path(jobshots.web.__file__).parent / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"


def _entries() -> list[dict[str, str]]:
    files: list[dict[str, str]] = json.loads(MANIFEST.read_text())["files"]
    return files


def test_every_vendored_file_matches_its_manifest_sha256() -> None:
    for entry in _entries():
        data = (VENDOR / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]


def test_every_file_in_the_vendor_folder_is_in_the_manifest() -> None:
    listed = {entry["file"] for entry in _entries()}
    present = {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.is_file() and path != MANIFEST
    }
    assert present == listed


def test_each_entry_names_its_package_version_and_licence() -> None:
    for entry in _entries():
        assert entry["package"], entry
        assert entry["licence"], entry
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), entry


def test_htmx_is_a_2_0_release() -> None:
    [htmx] = [e for e in _entries() if e["file"].endswith("htmx.min.js")]
    assert htmx["version"].startswith("2.0.")
    assert f'version:"{htmx["version"]}"' in (VENDOR / htmx["file"]).read_text()


def test_each_source_names_the_release_it_came_from() -> None:
    for entry in _entries():
        tarball = (
            f"https://registry.npmjs.org/{entry['package']}/-/"
            f"{entry['package']}-{entry['version']}.tgz#package/"
        )
        upstream = f"https://raw.githubusercontent.com/sneas/{entry['package']}/"
        # img-comparison-slider's npm tarball carries no LICENSE: it comes from its repository.
        assert entry["source"].startswith(tarball) or (
            entry["file"] == "img-comparison-slider/LICENSE"
            and entry["source"].startswith(upstream)
        ), entry


def test_every_vendored_package_carries_its_licence_text() -> None:
    packages = {entry["file"].split("/")[0] for entry in _entries()}
    for package in packages:
        assert (VENDOR / package / "LICENSE").read_text().strip(), package


def test_the_page_libraries_are_the_wanted_major_releases() -> None:
    versions = {entry["package"]: entry["version"] for entry in _entries()}
    assert versions["photoswipe"].startswith("5.")
    assert (
        f"PhotoSwipe {versions['photoswipe']}"
        in (VENDOR / "photoswipe" / "photoswipe.esm.min.js").read_text()
    )
    assert versions["img-comparison-slider"].startswith("8.")
    assert versions["leaflet"] == "1.9.4"
    assert versions["axe-core"].startswith("4.")
    assert f"Leaflet {versions['leaflet']}" in (VENDOR / "leaflet" / "leaflet.js").read_text()
    assert f"axe v{versions['axe-core']}" in (VENDOR / "axe-core" / "axe.min.js").read_text()
