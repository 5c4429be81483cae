"""Dispute flags as the real pipeline stores them, from real files with telling EXIF and C2PA."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import c2pa  # type: ignore[import-untyped]
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image
from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Company, Job, Photo, PropertyAddress
from jobshots.media.incoming import Spool
from jobshots.media.pipeline import decode
from tests.support import images, media

# The job's address, and points about 5 km north of it and about 300 m north of it.
HOME = (51.500000, -0.127600)
FAR = (51.545000, -0.127600)
NEAR = (51.502700, -0.127600)


class Site:
    """A company owner and one job at a known address."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        with ctx.uow() as uow:
            made = companies.create(uow, "Acme", "owner@acme.example")
            self.principal: Principal = users.acting_as(made.owner)
            self.company_id = made.owner.company_id
            self.job_uuid = str(jobs.create(uow, self.principal, "Roof").uuid)
        self.place_job(self.job_uuid)

    def place_job(self, job_uuid: str, geofence_metres: int | None = None) -> None:
        with self.ctx.uow() as uow:
            job = uow.session.scalars(select(Job).where(Job.uuid == UUID(job_uuid))).one()
            job.address = PropertyAddress(
                company_id=self.company_id,
                line1="1 Quay St",
                latitude=Decimal(str(HOME[0])),
                longitude=Decimal(str(HOME[1])),
            )
            job.geofence_metres = geofence_metres

    def new_job(self, title: str) -> str:
        with self.ctx.uow() as uow:
            job_uuid = str(jobs.create(uow, self.principal, title).uuid)
        self.place_job(job_uuid)
        return job_uuid

    def upload(self, data: bytes, job_uuid: str | None = None) -> int:
        spool = Spool(self.ctx.storage.staging_dir(), len(data), "upload.jpg")
        spool.write(data)
        with self.ctx.uow() as uow:
            [photo] = photos.upload_to_job(
                uow,
                self.principal,
                job_uuid or self.job_uuid,
                [spool.finish()],
                photos.PhotoDetails("before"),
            )
            return photo.id

    def processed(self, data: bytes, job_uuid: str | None = None) -> Photo:
        photo_id = self.upload(data, job_uuid)
        assert processing.process_photo(self.ctx, photo_id, decode) == "processed"
        return self.photo(photo_id)

    def photo(self, photo_id: int) -> Photo:
        with self.ctx.uow() as uow:
            return uow.session.get_one(Photo, photo_id)


@pytest.fixture
def site(ctx: Context) -> Site:
    return Site(ctx)


def camera_jpeg(
    *,
    taken: datetime | None = None,
    zoned: bool = True,
    position: tuple[float, float] | None = HOME,
    software: str | None = "G991BXXU5CVF3",
    colour: tuple[int, int, int] = (90, 120, 150),
) -> bytes:
    """A phone-like JPEG: make and model, firmware, capture time and GPS as asked."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "samsung", "SM-G991B"
    if software:
        exif[0x0131] = software
    sub = exif.get_ifd(media.EXIF_IFD)
    if taken is not None:
        sub[0x9003] = taken.astimezone(UTC).strftime("%Y:%m:%d %H:%M:%S")
        if zoned:
            sub[0x9011] = "+00:00"
    if position is not None:
        gps = exif.get_ifd(media.GPS_IFD)
        gps[1], gps[2] = ("N" if position[0] >= 0 else "S"), media.dms(position[0])
        gps[3], gps[4] = ("E" if position[1] >= 0 else "W"), media.dms(position[1])
    buffer = io.BytesIO()
    media.marked_pattern(320, 240).convert("RGB").save(buffer, "JPEG", exif=exif.tobytes())
    image = Image.open(io.BytesIO(buffer.getvalue()))
    image.paste(colour, (200, 150, 320, 240))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def codes(photo: Photo) -> list[str]:
    return [flag["code"] for flag in photo.flags]


def flag(photo: Photo, code: str) -> dict[str, Any]:
    [found] = [flag for flag in photo.flags if flag["code"] == code]
    assert found["text"], "every flag has a sentence for people"
    return found


def now() -> datetime:
    return datetime.now(UTC)


def test_a_fresh_phone_photo_at_the_job_has_no_flags(site: Site) -> None:
    photo = site.processed(camera_jpeg(taken=now() - timedelta(hours=2)))

    assert photo.flags == []
    assert photo.credentials == {
        "status": "absent",
        "present": False,
        "signer": None,
        "valid": None,
        "trusted": None,
        "messages": [],
    }


def test_the_history_keeps_the_uploaded_bytes_and_what_processing_found(site: Site) -> None:
    data = camera_jpeg(taken=now() - timedelta(days=30), position=FAR)
    photo = site.processed(data)

    with site.ctx.uow() as uow:
        events = {
            event.action: event.data
            for event in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.entity_uuid == str(photo.uuid))
            )
        }
    sha256 = hashlib.sha256(data).hexdigest()
    assert events["photo.uploaded"] == {"sha256": sha256, "size": len(data)}
    assert events["photo.processed"] == {
        "sha256": sha256,
        "taken_at": photo.taken_at.isoformat(),
        "taken_at_source": "exif",
        "latitude": pytest.approx(FAR[0]),
        "longitude": pytest.approx(FAR[1]),
        "flags": ["late_upload", "far_from_job"],
    }


def test_a_photo_taken_long_before_upload_is_a_late_upload(site: Site) -> None:
    photo = site.processed(camera_jpeg(taken=now() - timedelta(days=30)))

    assert codes(photo) == ["late_upload"]
    assert flag(photo, "late_upload")["text"] == "taken 30 days before upload"


def test_the_late_upload_threshold_is_the_company_s(site: Site) -> None:
    with site.ctx.uow() as uow:
        uow.session.get_one(Company, site.company_id).capture_gap_hours = 24 * 40
    photo = site.processed(camera_jpeg(taken=now() - timedelta(days=30)))

    assert "late_upload" not in codes(photo)


def test_a_capture_time_after_the_upload_is_a_future_capture(site: Site) -> None:
    photo = site.processed(camera_jpeg(taken=now() + timedelta(days=10)))

    assert codes(photo) == ["future_capture"]
    assert flag(photo, "future_capture")["text"] == "capture time 10 days after upload"
    # The time was not believed: the photo is dated by its upload.
    assert photo.taken_at_source == "upload"


def test_an_unzoned_time_a_few_hours_ahead_is_another_time_zone_not_the_future(
    site: Site,
) -> None:
    photo = site.processed(camera_jpeg(taken=now() + timedelta(hours=9), zoned=False))

    assert "future_capture" not in codes(photo)


def test_a_photo_taken_far_from_the_job_s_address_is_flagged_with_the_distance(
    site: Site,
) -> None:
    photo = site.processed(camera_jpeg(taken=now(), position=FAR))

    found = flag(photo, "far_from_job")
    assert codes(photo) == ["far_from_job"]
    assert found["distance_m"] == pytest.approx(5004, abs=10)
    assert found["limit_m"] == 250
    assert found["text"] == "taken 5.0 km from the job's address"


def test_a_job_s_own_geofence_gives_outside_geofence(site: Site) -> None:
    site.place_job(site.job_uuid, geofence_metres=100)
    photo = site.processed(camera_jpeg(taken=now(), position=NEAR))

    found = flag(photo, "outside_geofence")
    assert codes(photo) == ["outside_geofence"]
    assert found["distance_m"] == pytest.approx(300, abs=5)
    assert found["limit_m"] == 100


def test_within_the_company_s_distance_is_not_flagged(site: Site) -> None:
    with site.ctx.uow() as uow:
        uow.session.get_one(Company, site.company_id).geofence_metres = 500
    photo = site.processed(camera_jpeg(taken=now(), position=NEAR))

    assert photo.flags == []


def test_photoshop_in_the_software_tag_is_edited(site: Site) -> None:
    photo = site.processed(camera_jpeg(taken=now(), software="Adobe Photoshop 25.0 (Macintosh)"))

    assert codes(photo) == ["edited"]
    assert flag(photo, "edited")["software"] == "Adobe Photoshop 25.0 (Macintosh)"


def test_phone_firmware_in_the_software_tag_is_not_editing(site: Site) -> None:
    photo = site.processed(camera_jpeg(taken=now(), software="iOS 17.1"))

    assert photo.flags == []


def test_a_photo_without_exif_is_flagged(site: Site) -> None:
    photo = site.processed(images.jpeg(320, 240))

    assert codes(photo) == ["no_exif"]


def test_processing_again_gives_the_same_flags(site: Site) -> None:
    photo = site.processed(
        camera_jpeg(taken=now() - timedelta(days=9), position=FAR, software="GIMP 2.10.36")
    )
    assert codes(photo) == ["late_upload", "far_from_job", "edited"]

    assert processing.reprocess(site.ctx, photo.id) == "processed"

    assert site.photo(photo.id).flags == photo.flags


def test_the_same_file_in_another_job_is_a_duplicate_linked_to_it(site: Site) -> None:
    data = camera_jpeg(taken=now())
    first = site.processed(data)
    other_job = site.new_job("Gutter")

    second = site.processed(data, other_job)

    found = flag(second, "duplicate")
    assert found["photo_uuid"] == str(first.uuid)
    assert found["job_uuid"] == site.job_uuid


# --- C2PA Content Credentials, signed here with a certificate made here ---------------------


def _certificates() -> tuple[bytes, bytes]:
    """A throwaway CA and a signing certificate it issued (chain PEM, key PEM)."""
    start = now() - timedelta(days=1)

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Cameras Ltd"),
            ]
        )

    def usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=not sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=sign,
            crl_sign=sign,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Test Root"))
        .issuer_name(name("Test Root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("Site Camera"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(
        serialization.Encoding.PEM
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return chain, pem


def signed_jpeg(data: bytes) -> bytes:
    """`data` with a C2PA manifest saying it was captured, signed by a test camera."""
    chain, key = _certificates()
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None))
    manifest = {
        "claim_generator_info": [{"name": "jobshots-tests", "version": "1"}],
        "title": "site.jpg",
        "format": "image/jpeg",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/"
                            "digitalsourcetype/digitalCapture",
                        }
                    ]
                },
            }
        ],
    }
    out = io.BytesIO()
    with signer, c2pa.Builder(manifest) as builder:
        builder.sign(signer, "image/jpeg", io.BytesIO(data), out)
    return out.getvalue()


def test_signed_content_credentials_are_read_with_their_signer(site: Site) -> None:
    photo = site.processed(signed_jpeg(camera_jpeg(taken=now())))

    assert codes(photo) == ["content_credentials"]
    found = flag(photo, "content_credentials")
    assert found["valid"] is True
    assert found["signer"] == "Site Camera (Test Cameras Ltd)"
    assert found["text"] == "Content Credentials signed by Site Camera (Test Cameras Ltd)"
    assert photo.credentials is not None
    assert photo.credentials["status"] == "valid"
    assert photo.credentials["trusted"] is False


def test_content_credentials_of_a_changed_file_are_invalid(site: Site) -> None:
    signed = bytearray(signed_jpeg(camera_jpeg(taken=now())))
    # One byte of the picture itself, just before the end-of-image marker.
    signed[-10] ^= 0x01

    photo = site.processed(bytes(signed))

    assert codes(photo) == ["content_credentials", "content_credentials_invalid"]
    assert flag(photo, "content_credentials")["valid"] is False
    invalid = flag(photo, "content_credentials_invalid")
    assert any("hash" in message for message in invalid["messages"])
    assert photo.credentials is not None
    assert photo.credentials["status"] == "invalid"


def test_unreadable_content_credentials_do_not_fail_the_photo(site: Site) -> None:
    signed = bytearray(signed_jpeg(camera_jpeg(taken=now())))
    # Overwrite the start of the manifest store, past its box header: the SDK cannot parse it.
    at = signed.index(b"jumb") + 20
    signed[at : at + 40] = b"\xff" * 40

    photo = site.processed(bytes(signed))

    assert photo.state == "processed"
    assert photo.credentials is not None
    assert photo.credentials["status"] == "unreadable"
    assert photo.credentials["messages"], "the reason is kept"
    assert "content_credentials" not in codes(photo)
