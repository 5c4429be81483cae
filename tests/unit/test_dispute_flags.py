"""The dispute flag rules on their own: thresholds, edges, and the words people read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from jobshots.core.evidence import flags
from jobshots.db.models import Company, Job, Photo, PropertyAddress

UPLOAD = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
CAMERA = {"make": "Apple", "model": "iPhone 15", "date_time_original": "2026-05-01T11:00:00"}


def company(gap_hours: int = 72, geofence: int = 250) -> Company:
    return Company(capture_gap_hours=gap_hours, geofence_metres=geofence)


def job(geofence: int | None = None) -> Job:
    address = PropertyAddress(line1="1 Quay St", latitude=Decimal("51.5"), longitude=Decimal("0"))
    return Job(geofence_metres=geofence, address=address)


def photo(**values: Any) -> Photo:
    defaults: dict[str, Any] = {
        "created_at": UPLOAD,
        "taken_at": UPLOAD - timedelta(hours=1),
        "taken_at_source": "exif",
        "exif": dict(CAMERA),
        "latitude": 51.5,
        "longitude": 0.0,
    }
    return Photo(**(defaults | values))


def computed(
    subject: Photo,
    reading: flags.FileReading | None = None,
    *,
    on: Job | None = None,
    of: Company | None = None,
    duplicates: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    return flags.for_photo(
        subject,
        on or job(),
        of or company(),
        reading or flags.FileReading(is_video=False, stated_time=subject.taken_at),
        duplicates or [],
    )


def codes(found: list[dict[str, Any]]) -> list[str]:
    return [flag["code"] for flag in found]


def test_an_ordinary_photo_has_no_flags() -> None:
    assert computed(photo()) == []


@pytest.mark.parametrize(
    ("hours_before", "flagged"), [(71, False), (72, False), (73, True), (24 * 5, True)]
)
def test_late_upload_is_past_the_company_s_gap(hours_before: int, flagged: bool) -> None:
    found = computed(photo(taken_at=UPLOAD - timedelta(hours=hours_before)))

    assert ("late_upload" in codes(found)) is flagged


def test_late_upload_says_how_long_in_days() -> None:
    [found] = computed(photo(taken_at=UPLOAD - timedelta(days=5)))

    assert found == {"code": "late_upload", "text": "taken 5 days before upload", "hours": 120.0}


def test_late_upload_reads_the_company_s_own_gap() -> None:
    taken = photo(taken_at=UPLOAD - timedelta(hours=30))

    assert codes(computed(taken, of=company(gap_hours=24))) == ["late_upload"]
    assert computed(taken, of=company(gap_hours=48)) == []


@pytest.mark.parametrize("source", ["exif", "client", "client_exif"])
def test_late_upload_counts_a_time_from_the_file_or_the_client(source: str) -> None:
    found = computed(photo(taken_at=UPLOAD - timedelta(days=9), taken_at_source=source))

    assert "late_upload" in codes(found)


def test_an_upload_time_has_nothing_to_compare() -> None:
    found = computed(photo(taken_at=UPLOAD, taken_at_source="upload"))

    assert "late_upload" not in codes(found)


@pytest.mark.parametrize(
    ("ahead", "zoned", "flagged"),
    [
        (timedelta(minutes=4), True, False),
        (timedelta(minutes=10), True, True),
        (timedelta(hours=9), False, False),
        (timedelta(hours=15), False, True),
        (timedelta(days=10), True, True),
    ],
)
def test_future_capture_allows_clock_skew_and_unknown_zones(
    ahead: timedelta, zoned: bool, flagged: bool
) -> None:
    reading = flags.FileReading(is_video=False, stated_time=UPLOAD + ahead, stated_time_zoned=zoned)

    found = computed(photo(taken_at=UPLOAD, taken_at_source="upload"), reading)

    assert ("future_capture" in codes(found)) is flagged


def test_future_capture_names_the_gap() -> None:
    reading = flags.FileReading(is_video=False, stated_time=UPLOAD + timedelta(days=3))

    [found] = computed(photo(taken_at=UPLOAD, taken_at_source="upload"), reading)

    assert found["code"] == "future_capture"
    assert found["text"] == "capture time 3 days after upload"


def test_a_client_time_after_the_upload_is_a_future_capture() -> None:
    later = UPLOAD + timedelta(hours=3)
    reading = flags.FileReading(is_video=False)

    found = computed(photo(taken_at=later, taken_at_source="client_exif"), reading)

    assert codes(found) == ["future_capture"]


def test_far_from_job_uses_the_company_s_distance() -> None:
    # 0.01 degrees of latitude is about 1,112 m.
    far = photo(latitude=51.51)

    [found] = computed(far)

    assert found["code"] == "far_from_job"
    assert found["distance_m"] == pytest.approx(1112, abs=2)
    assert found["limit_m"] == 250
    assert found["text"] == "taken 1.1 km from the job's address"
    assert computed(far, of=company(geofence=2000)) == []


def test_a_job_s_own_geofence_gives_outside_geofence() -> None:
    near = photo(latitude=51.5015)

    assert computed(near) == []
    [found] = computed(near, on=job(geofence=100))
    assert found["code"] == "outside_geofence"
    assert found["text"] == "taken 167 m from the job's address, outside its 100 m geofence"


def test_no_position_or_no_address_is_no_distance_flag() -> None:
    assert computed(photo(latitude=None, longitude=None)) == []
    assert computed(photo(latitude=52.0), on=Job(geofence_metres=None)) == []


@pytest.mark.parametrize(
    "exif",
    [None, {}, {"software": "Screenshot"}, {"image_width": 640, "x_resolution": "72.0"}],
)
def test_a_still_without_camera_tags_or_time_has_no_exif(exif: dict[str, Any] | None) -> None:
    found = computed(photo(exif=exif, latitude=None, longitude=None))

    assert codes(found) == ["no_exif"]


@pytest.mark.parametrize("exif", [{"make": "Canon"}, {"date_time": "2026-05-01T11:00:00"}])
def test_camera_tags_or_a_time_is_exif(exif: dict[str, Any]) -> None:
    assert computed(photo(exif=exif)) == []


def test_a_video_is_never_no_exif() -> None:
    assert computed(photo(exif=None), flags.FileReading(is_video=True)) == []


@pytest.mark.parametrize(
    "software",
    [
        "Adobe Photoshop 25.0 (Macintosh)",
        "Adobe Photoshop Lightroom Classic 13.1 (Windows)",
        "GIMP 2.10.36",
        "Snapseed 2.0",
        "Affinity Photo 2",
        "Pixelmator Pro 3.5",
        "PicsArt",
        "VSCO",
        "Canva",
    ],
)
def test_an_editing_program_in_software_is_edited(software: str) -> None:
    found = computed(photo(exif=CAMERA | {"software": software}))

    assert found == [{"code": "edited", "text": f"saved by {software}", "software": software}]


@pytest.mark.parametrize(
    "software", ["iOS 17.1", "G991BXXU5CVF3", "HDR+ 1.0.540104767zd", "Ver.1.00", "Canvasser 1"]
)
def test_phone_firmware_is_not_editing(software: str) -> None:
    assert computed(photo(exif=CAMERA | {"software": software})) == []


def test_valid_content_credentials_name_their_signer() -> None:
    credentials = {"present": True, "signer": "Leica Camera AG", "valid": True, "messages": []}
    reading = flags.FileReading(is_video=False, stated_time=None, credentials=credentials)

    assert computed(photo(), reading) == [
        {
            "code": "content_credentials",
            "text": "Content Credentials signed by Leica Camera AG",
            "signer": "Leica Camera AG",
            "valid": True,
        }
    ]


def test_invalid_content_credentials_are_flagged_with_the_reason() -> None:
    credentials = {
        "present": True,
        "signer": "Leica Camera AG",
        "valid": False,
        "messages": ["asset hash error"],
    }
    reading = flags.FileReading(is_video=False, credentials=credentials)

    present, invalid = computed(photo(), reading)

    assert present["valid"] is False
    assert invalid["code"] == "content_credentials_invalid"
    assert invalid["text"] == "Content Credentials do not match the file: asset hash error"


@pytest.mark.parametrize(
    "credentials", [None, {"present": False, "status": "absent"}, {"status": "unreadable"}]
)
def test_absent_or_unreadable_credentials_are_not_flagged(
    credentials: dict[str, Any] | None,
) -> None:
    reading = flags.FileReading(is_video=False, credentials=credentials)

    assert computed(photo(), reading) == []


def test_duplicates_come_last_as_given() -> None:
    duplicate = {"code": "duplicate", "text": "the same file", "photo_uuid": "x"}

    found = computed(photo(exif=None, latitude=None), duplicates=[duplicate])

    assert found == [{"code": "no_exif", "text": found[0]["text"]}, duplicate]
