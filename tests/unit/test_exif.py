"""Describing photos from their EXIF: Fulcrum keys and values, position, time, orientation."""

from __future__ import annotations

import json
import random
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageFile, TiffImagePlugin

from jobshots.media.exif import PhotoFacts, UnreadablePhoto, choose_taken_at, exif_key, read_facts

R = TiffImagePlugin.IFDRational
EXIF_IFD = 0x8769
GPS_IFD = 0x8825

# The "exif" object of the "Valid photo" example in seed 003 (Fulcrum photos API).
SEED_EXIF: dict[str, Any] = {
    "image_width": 3264,
    "image_length": 2448,
    "make": "samsung",
    "model": "SM-G900V",
    "x_resolution": "72.0",
    "y_resolution": "72.0",
    "resolution_unit": 2,
    "software": "G900VVRU1BOC4",
    "date_time": "2015-06-06T12:00:08.000+00:00",
    "ycb_cr_positioning": 1,
    "exposure_time": "0.0027397260273972603",
    "f_number": "2.2",
    "exposure_program": 2,
    "iso_speed_ratings": 40,
    "date_time_original": "2015-06-06T12:00:08.000+00:00",
    "date_time_digitized": "2015-06-06T12:00:08.000+00:00",
    "shutter_speed_value": "0.0027472527472527475",
    "aperture_value": "2.2",
    "brightness_value": "7.22",
    "exposure_bias_value": "0.0",
    "max_aperture_value": "2.28",
    "metering_mode": 2,
    "light_source": 0,
    "flash": 0,
    "focal_length": "4.8",
    "subsec_time": "943",
    "subsec_time_original": "943",
    "subsec_time_digitized": "943",
    "color_space": 1,
    "pixel_x_dimension": 810,
    "pixel_y_dimension": 1080,
    "sensing_method": 2,
    "exposure_mode": 0,
    "white_balance": 0,
    "focal_length_in_35mm_film": 31,
    "scene_capture_type": 0,
    "image_unique_id": "F16QLHF01S",
    "gps_latitude_ref": "N",
    "gps_latitude": ["42.0", "49.0", "30.8953"],
    "gps_longitude_ref": "W",
    "gps_longitude": ["73.0", "53.0", "46.2451"],
    "gps_altitude_ref": "\u0000",
    "gps_altitude": "107.0",
    "gps_time_stamp": ["16.0", "0.0", "5.0"],
    "gps_date_stamp": "2015:06:06",
}

SEED_BASE: dict[int, Any] = {
    0x0100: 3264,
    0x0101: 2448,
    0x010F: "samsung",
    0x0110: "SM-G900V",
    0x011A: R(72, 1),
    0x011B: R(72, 1),
    0x0128: 2,
    0x0131: "G900VVRU1BOC4",
    0x0132: "2015:06:06 12:00:08",
    0x0213: 1,
}
SEED_SUB: dict[int, Any] = {
    0x829A: R(1, 365),
    0x829D: R(22, 10),
    0x8822: 2,
    0x8827: 40,
    0x9003: "2015:06:06 12:00:08",
    0x9004: "2015:06:06 12:00:08",
    0x9201: R(1, 364),
    0x9202: R(22, 10),
    0x9203: R(722, 100),
    0x9204: R(0, 10),
    0x9205: R(228, 100),
    0x9207: 2,
    0x9208: 0,
    0x9209: 0,
    0x920A: R(48, 10),
    0x9290: "943",
    0x9291: "943",
    0x9292: "943",
    0xA001: 1,
    0xA002: 810,
    0xA003: 1080,
    0xA217: 2,
    0xA402: 0,
    0xA403: 0,
    0xA405: 31,
    0xA406: 0,
    0xA420: "F16QLHF01S",
}
SEED_GPS: dict[int, Any] = {
    1: "N",
    2: (R(42, 1), R(49, 1), R(308953, 10000)),
    3: "W",
    4: (R(73, 1), R(53, 1), R(462451, 10000)),
    5: b"\x00",
    6: R(107, 1),
    7: (R(16, 1), R(0, 1), R(5, 1)),
    29: "2015:06:06",
}


def _exif(
    base: dict[int, Any] | None = None,
    sub: dict[int, Any] | None = None,
    gps: dict[int, Any] | None = None,
) -> bytes:
    exif = Image.Exif()
    exif.update(base or {})
    if sub:
        exif.get_ifd(EXIF_IFD).update(sub)
    if gps:
        exif.get_ifd(GPS_IFD).update(gps)
    return exif.tobytes()


def _photo(
    path: Path, exif: bytes | None = None, size: tuple[int, int] = (64, 48), fmt: str = "JPEG"
) -> Path:
    options: dict[str, Any] = {} if exif is None else {"exif": exif}
    Image.new("RGB", size, (200, 120, 40)).save(path, fmt, **options)
    return path


def _seed_photo(tmp_path: Path) -> Path:
    return _photo(tmp_path / "seed.jpg", _exif(SEED_BASE, SEED_SUB, SEED_GPS))


def _dms(degrees: float) -> tuple[R, R, R]:
    whole = int(degrees)
    minutes = int((degrees - whole) * 60)
    seconds = (degrees - whole - minutes / 60) * 3600
    return R(whole, 1), R(minutes, 1), R(round(seconds * 10000), 10000)


def _gps_photo(tmp_path: Path, gps: dict[int, Any]) -> PhotoFacts:
    return read_facts(_photo(tmp_path / "gps.jpg", _exif(gps=gps)))


def _assert_json_safe(facts: PhotoFacts) -> None:
    json.dumps(facts.exif, allow_nan=False)


def test_seed_camera_gives_the_fulcrum_example_exif(tmp_path: Path) -> None:
    facts = read_facts(_seed_photo(tmp_path))

    assert facts.exif == SEED_EXIF
    assert list(facts.exif) == list(SEED_EXIF)
    _assert_json_safe(facts)


def test_seed_camera_facts(tmp_path: Path) -> None:
    facts = read_facts(_seed_photo(tmp_path))

    assert facts.latitude == pytest.approx(42.82525, abs=1e-5)
    assert facts.longitude == pytest.approx(-73.89618, abs=1e-5)
    assert facts.altitude == 107.0
    assert facts.taken_at == datetime(2015, 6, 6, 12, 0, 8, 943000, tzinfo=UTC)
    assert facts.taken_at_has_offset is False
    assert facts.orientation is None
    assert (facts.width, facts.height) == (64, 48)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("YCbCrPositioning", "ycb_cr_positioning"),
        ("YCbCrSubSampling", "ycb_cr_sub_sampling"),
        ("FocalLengthIn35mmFilm", "focal_length_in_35mm_film"),
        ("ISOSpeedRatings", "iso_speed_ratings"),
        ("PhotographicSensitivity", "iso_speed_ratings"),
        ("FNumber", "f_number"),
        ("XResolution", "x_resolution"),
        ("GPSLatitude", "gps_latitude"),
        ("GPSDOP", "gps_dop"),
        ("GPSHPositioningError", "gps_h_positioning_error"),
        ("SubsecTimeOriginal", "subsec_time_original"),
        ("ImageUniqueID", "image_unique_id"),
        ("ExifImageWidth", "pixel_x_dimension"),
        ("TIFF/EPStandardID", "tiff_ep_standard_id"),
    ],
)
def test_exif_key_converts_camel_case_as_fulcrum_names_tags(name: str, key: str) -> None:
    assert exif_key(name) == key


def test_every_seed_key_is_the_key_of_a_pillow_tag() -> None:
    names = [*ExifTags.TAGS.values(), *ExifTags.GPSTAGS.values()]

    assert set(SEED_EXIF) <= {exif_key(name) for name in names}


@pytest.mark.parametrize(
    ("lat_ref", "lon_ref", "latitude", "longitude"),
    [
        ("N", "E", 48.858222, 2.2945),
        ("N", "W", 40.689247, -74.044502),
        ("S", "E", -33.856784, 151.215297),
        ("S", "W", -22.951916, -43.210487),
    ],
)
def test_gps_position_is_signed_by_hemisphere(
    tmp_path: Path, lat_ref: str, lon_ref: str, latitude: float, longitude: float
) -> None:
    gps = {1: lat_ref, 2: _dms(abs(latitude)), 3: lon_ref, 4: _dms(abs(longitude))}

    facts = _gps_photo(tmp_path, gps)

    assert facts.latitude == pytest.approx(latitude, abs=1e-6)
    assert facts.longitude == pytest.approx(longitude, abs=1e-6)
    assert facts.exif["gps_latitude_ref"] == lat_ref


def test_altitude_below_sea_level_is_negative(tmp_path: Path) -> None:
    facts = _gps_photo(tmp_path, {5: b"\x01", 6: R(125, 10)})

    assert facts.altitude == -12.5
    assert facts.exif["gps_altitude_ref"] == "\u0001"


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: (R(95, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(10, 1), R(0, 1), R(0, 1))},
        {1: "N", 2: (R(10, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(181, 1), R(0, 1), R(0, 1))},
        {1: "X", 2: (R(10, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(10, 1), R(0, 1), R(0, 1))},
        {1: "N", 2: (R(0, 0), R(0, 1), R(0, 1)), 3: "E", 4: (R(10, 1), R(0, 1), R(0, 1))},
        {1: "N", 2: (R(0, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(0, 1), R(0, 1), R(0, 1))},
        {1: "N", 2: (R(10, 1), R(0, 1), R(0, 1))},
    ],
    ids=[
        "latitude-over-90",
        "longitude-over-180",
        "bad-ref",
        "zero-denominator",
        "null-island",
        "no-lon",
    ],
)
def test_unusable_gps_position_gives_none(tmp_path: Path, gps: dict[int, Any]) -> None:
    facts = _gps_photo(tmp_path, gps)

    assert (facts.latitude, facts.longitude) == (None, None)
    _assert_json_safe(facts)


def test_offset_time_original_gives_utc_taken_at(tmp_path: Path) -> None:
    sub = {0x9003: "2021:03:04 10:20:30", 0x9011: "+02:00"}

    facts = read_facts(_photo(tmp_path / "p.jpg", _exif(sub=sub)))

    assert facts.taken_at == datetime(2021, 3, 4, 8, 20, 30, tzinfo=UTC)
    assert facts.taken_at.tzinfo == UTC
    assert facts.taken_at_has_offset is True
    assert facts.exif["date_time_original"] == "2021-03-04T10:20:30.000+02:00"
    assert facts.exif["offset_time_original"] == "+02:00"


def test_time_without_offset_is_read_as_utc_and_says_so(tmp_path: Path) -> None:
    sub = {0x9003: "2021:03:04 10:20:30"}

    facts = read_facts(_photo(tmp_path / "p.jpg", _exif(sub=sub)))

    assert facts.taken_at == datetime(2021, 3, 4, 10, 20, 30, tzinfo=UTC)
    assert facts.taken_at_has_offset is False
    assert facts.exif["date_time_original"] == "2021-03-04T10:20:30.000+00:00"


@pytest.mark.parametrize(("subsec", "microsecond"), [("943", 943000), ("5", 500000), ("x", 0)])
def test_subsec_time_original_gives_the_fraction(
    tmp_path: Path, subsec: str, microsecond: int
) -> None:
    sub = {0x9003: "2021:03:04 10:20:30", 0x9291: subsec, 0x9011: "-05:00"}

    facts = read_facts(_photo(tmp_path / "p.jpg", _exif(sub=sub)))

    assert facts.taken_at == datetime(2021, 3, 4, 15, 20, 30, microsecond, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["0000:00:00 00:00:00", "    :  :     :  :  ", "2021:13:40 10:20:30"]
)
def test_unset_or_impossible_time_is_left_out(tmp_path: Path, text: str) -> None:
    facts = read_facts(_photo(tmp_path / "p.jpg", _exif(sub={0x9003: text})))

    assert facts.taken_at is None
    assert "date_time_original" not in facts.exif


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_is_read_back(tmp_path: Path, orientation: int) -> None:
    facts = read_facts(_photo(tmp_path / "p.jpg", _exif({0x0112: orientation}), size=(60, 40)))

    assert facts.orientation == orientation
    assert facts.exif["orientation"] == orientation
    assert (facts.width, facts.height) == (60, 40)


def test_photo_without_exif_has_no_facts(tmp_path: Path) -> None:
    facts = read_facts(_photo(tmp_path / "plain.jpg", size=(30, 20)))

    assert facts == PhotoFacts(
        exif={},
        latitude=None,
        longitude=None,
        altitude=None,
        taken_at=None,
        taken_at_has_offset=False,
        orientation=None,
        width=30,
        height=20,
    )


def test_png_exif_chunk_is_read(tmp_path: Path) -> None:
    path = _photo(tmp_path / "p.png", _exif({0x010F: "Apple"}, gps=SEED_GPS), fmt="PNG")

    facts = read_facts(path)

    assert facts.exif["make"] == "Apple"
    assert facts.latitude == pytest.approx(42.82525, abs=1e-5)


def test_png_exif_chunk_after_the_pixels_is_read(tmp_path: Path) -> None:
    plain = _photo(tmp_path / "plain.png", fmt="PNG").read_bytes()
    payload = _exif({0x010F: "Late"})
    chunk = struct.pack(">I4s", len(payload), b"eXIf") + payload
    chunk += struct.pack(">I", zlib.crc32(b"eXIf" + payload))
    iend = plain.rindex(b"IEND") - 4
    path = tmp_path / "late.png"
    path.write_bytes(plain[:iend] + chunk + plain[iend:])

    assert read_facts(path).exif == {"make": "Late"}


def test_facts_are_read_without_decoding_pixels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [
        _seed_photo(tmp_path),
        _photo(tmp_path / "plain.png", fmt="PNG"),
        _photo(tmp_path / "exif.png", _exif({0x010F: "x"}), fmt="PNG"),
    ]

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)

    assert [read_facts(path).width for path in paths] == [64, 64, 64]


def test_webp_exif_chunk_is_read(tmp_path: Path) -> None:
    path = _photo(tmp_path / "p.webp", _exif({0x010F: "Google"}, gps=SEED_GPS), fmt="WEBP")

    facts = read_facts(path)

    assert facts.exif["make"] == "Google"
    assert facts.longitude == pytest.approx(-73.89618, abs=1e-5)


def test_heic_written_with_pillow_heif_carries_gps(tmp_path: Path) -> None:
    pillow_heif.register_heif_opener()
    gps = {1: "S", 2: _dms(33.856784), 3: "E", 4: _dms(151.215297), 5: b"\x00", 6: R(58, 1)}
    path = tmp_path / "p.heic"
    Image.new("RGB", (64, 48), "blue").save(
        path, format="HEIF", exif=_exif({0x010F: "Apple"}, gps=gps)
    )

    facts = read_facts(path)

    assert facts.exif["make"] == "Apple"
    assert facts.latitude == pytest.approx(-33.856784, abs=1e-6)
    assert facts.longitude == pytest.approx(151.215297, abs=1e-6)
    assert facts.altitude == 58.0
    assert (facts.width, facts.height) == (64, 48)


def test_heic_rotation_is_applied_by_pillow_heif_so_orientation_is_1(tmp_path: Path) -> None:
    pillow_heif.register_heif_opener()
    path = tmp_path / "turned.heic"
    Image.new("RGB", (64, 48), "blue").save(path, format="HEIF", exif=_exif({0x0112: 6}))

    facts = read_facts(path)

    assert facts.orientation == 1
    assert (facts.width, facts.height) == (48, 64)


def test_binary_blobs_and_nan_rationals_are_left_out(tmp_path: Path) -> None:
    sub = {
        0x927C: bytes(range(256)),  # MakerNote
        0x9286: b"UNICODE\x00" + "hi".encode("utf-16-be"),  # UserComment, not ASCII
        0x9204: R(0, 0),
        0x9000: b"0230",
        0xA300: b"\x03",
    }

    facts = read_facts(_photo(tmp_path / "p.jpg", _exif({0x010F: "cam\x00\x00"}, sub=sub)))

    assert facts.exif == {
        "make": "cam",
        "exif_version": "0230",
        "file_source": "\u0003",
    }


def test_readable_comments_are_decoded(tmp_path: Path) -> None:
    base = {0x9C9C: "Roof, north side".encode("utf-16-le") + b"\x00\x00"}
    sub = {0x9286: b"ASCII\x00\x00\x00gutter before\x00"}

    facts = read_facts(_photo(tmp_path / "p.jpg", _exif(base, sub=sub)))

    assert facts.exif["xp_comment"] == "Roof, north side"
    assert facts.exif["user_comment"] == "gutter before"


def test_malformed_exif_block_gives_empty_exif(tmp_path: Path) -> None:
    facts = read_facts(_photo(tmp_path / "p.jpg", b"Exif\x00\x00not a tiff header at all"))

    assert facts.exif == {}
    assert facts.taken_at is None


@pytest.mark.filterwarnings("ignore")
def test_damaged_exif_never_raises(tmp_path: Path) -> None:
    good = _exif(SEED_BASE, SEED_SUB, SEED_GPS)
    rng = random.Random(3)
    variants = [good[:cut] for cut in range(8, len(good), 7)]
    for _ in range(150):
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        variants.append(bytes(damaged))

    for index, exif in enumerate(variants):
        facts = read_facts(_photo(tmp_path / f"d{index}.jpg", exif))
        _assert_json_safe(facts)
        assert facts.latitude is None or abs(facts.latitude) <= 90
        assert facts.taken_at is None or facts.taken_at.tzinfo == UTC


@pytest.mark.parametrize(
    "content",
    [b"", b"not an image at all", b"\xff\xd8\xff\xe0garbage", b"%PDF-1.7\n%%EOF\n"],
    ids=["empty", "text", "broken-jpeg", "pdf"],
)
def test_corrupt_file_is_unreadable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)

    with pytest.raises(UnreadablePhoto):
        read_facts(path)


def test_unreadable_photo_is_a_value_error() -> None:
    assert issubclass(UnreadablePhoto, ValueError)


UPLOAD = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EXIF_TIME = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
CLIENT_TIME = datetime(2024, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))


def test_choose_taken_at_prefers_exif() -> None:
    assert choose_taken_at(EXIF_TIME, CLIENT_TIME, UPLOAD) == (EXIF_TIME, "exif")


def test_choose_taken_at_falls_back_to_client_in_utc() -> None:
    chosen, source = choose_taken_at(None, CLIENT_TIME, UPLOAD)

    assert (chosen, source) == (datetime(2024, 5, 1, 8, 0, tzinfo=UTC), "client")
    assert chosen.tzinfo == UTC


def test_choose_taken_at_falls_back_to_upload() -> None:
    assert choose_taken_at(None, None, UPLOAD) == (UPLOAD, "upload")


def test_choose_taken_at_skips_times_after_the_upload() -> None:
    wrong_clock = UPLOAD + timedelta(days=400)

    assert choose_taken_at(wrong_clock, CLIENT_TIME, UPLOAD)[1] == "client"
    assert choose_taken_at(wrong_clock, wrong_clock, UPLOAD) == (UPLOAD, "upload")


def test_choose_taken_at_allows_offsetless_exif_ahead_of_upload() -> None:
    local_as_utc = UPLOAD + timedelta(hours=10)

    assert choose_taken_at(local_as_utc, None, UPLOAD) == (local_as_utc, "exif")


def test_choose_taken_at_reads_naive_times_as_utc() -> None:
    naive = datetime(2024, 5, 1, 7, 0)

    assert choose_taken_at(None, naive, UPLOAD) == (naive.replace(tzinfo=UTC), "client")
