"""The Fulcrum photos API (seed 003), driven as the seed's examples and the real client do."""

from __future__ import annotations

import io
import uuid

import fulcrum
import httpx
import pytest
from PIL import Image

from tests.support import images, media
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

# The seed's "Valid photo" example, property by property, as JSON types.
VALID_PHOTO_TYPES: dict[str, type | tuple[type, ...]] = {
    "access_key": str,
    "created_at": str,
    "updated_at": str,
    "uploaded": bool,
    "stored": bool,
    "processed": bool,
    "record_id": str,
    "form_id": str,
    "file_size": int,
    "content_type": str,
    "latitude": float,
    "longitude": float,
    "url": str,
    "created_by": str,
    "created_by_id": str,
    "updated_by": str,
    "updated_by_id": str,
    "thumbnail": str,
    "large": str,
    "original": str,
    "exif": dict,
}
LATITUDE, LONGITUDE = 42.825248, -73.896179


def seed_headers(tenant: Tenant) -> dict[str, str]:
    """The headers of the seed's cURL examples."""
    return {"Accept": "application/json", "X-ApiToken": tenant.api_key}


def jquery_upload(
    client: httpx.Client, tenant: Tenant, access_key: str | None, data: bytes | None, **extra: str
) -> httpx.Response:
    """The seed's jQuery FormData upload: photo[access_key] and photo[file]."""
    fields = {"photo[access_key]": access_key} if access_key is not None else {}
    fields.update(extra)
    files = {"photo[file]": ("photo.jpg", data, "image/jpeg")} if data is not None else None
    if files is None:
        files = {"other": ("", b"", "application/octet-stream")}
    return client.post(
        "/api/v2/photos.json", headers={"X-ApiToken": tenant.api_key}, data=fields, files=files
    )


def _processed(stack: Stack, tenant: Tenant, key: str) -> dict[str, object]:
    stack.settle()
    with stack.client() as client:
        response = client.get(f"/api/v2/photos/{key}.json", headers=seed_headers(tenant))
    assert response.status_code == 200, response.text
    photo: dict[str, object] = response.json()["photo"]
    return photo


def test_seed_examples_upload_fetch_and_list(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    key = str(uuid.uuid4())
    camera = media.camera_jpeg(orientation=6, latitude=LATITUDE, longitude=LONGITUDE)
    with stack.client() as client:
        created = jquery_upload(
            client, tenant, key, camera, **{"photo[record_id]": job, "photo[form_id]": "form-7"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["photo"]["access_key"] == key
        assert created.json()["photo"]["uploaded"] is True
        assert created.json()["photo"]["stored"] is True

    photo = _processed(stack, tenant, key)
    for name, kind in VALID_PHOTO_TYPES.items():
        assert name in photo, f"missing {name}"
        assert isinstance(photo[name], kind), f"{name} is {type(photo[name]).__name__}"
    assert photo["processed"] is True
    assert photo["record_id"] == job
    assert photo["form_id"] == "form-7"
    assert photo["content_type"] == "image/jpeg"
    assert photo["file_size"] == len(camera)
    assert photo["created_by"] == "Olive Owner"
    assert photo["url"] == f"{stack.url}/api/v2/photos/{key}"
    exif = photo["exif"]
    assert isinstance(exif, dict)
    assert exif["make"] == "samsung"
    assert exif["gps_latitude_ref"] == "N"
    assert all(isinstance(part, str) for part in exif["gps_latitude"])

    with stack.client() as client:
        listing = client.get("/api/v2/photos.json", headers=seed_headers(tenant)).json()
        bare = client.get(f"/api/v2/photos/{key}", headers=seed_headers(tenant))
    assert {"photos", "current_page", "total_pages", "total_count", "per_page"} <= set(listing)
    assert key in [p["access_key"] for p in listing["photos"]]
    assert bare.json()["photo"]["access_key"] == key


def test_camera_photo_position_and_upright_renditions(stack: Stack, tenant: Tenant) -> None:
    key = str(uuid.uuid4())
    with stack.client() as client:
        camera = media.camera_jpeg(orientation=6, latitude=LATITUDE, longitude=LONGITUDE)
        assert jquery_upload(client, tenant, key, camera).status_code == 201
    photo = _processed(stack, tenant, key)
    assert photo["latitude"] == pytest.approx(LATITUDE, abs=1e-5)
    assert photo["longitude"] == pytest.approx(LONGITUDE, abs=1e-5)
    for version, size in (("thumbnail", (200, 150)), ("large", (800, 600))):
        fetched = httpx.get(str(photo[version]), timeout=30)
        assert fetched.status_code == 200
        image = Image.open(io.BytesIO(fetched.content))
        assert image.format == "JPEG"
        assert image.size == size
        red, green, _ = image.convert("RGB").getpixel((size[0] // 16, size[1] // 16))
        assert red > 150 > green, f"{version} is not upright"


def test_real_fulcrum_client_works_unchanged(stack: Stack, tenant: Tenant) -> None:
    api = fulcrum.Fulcrum(key=tenant.api_key, uri=stack.url)
    upload = io.BytesIO(media.camera_jpeg())
    upload.name = "site.jpg"
    created = api.photos.create(upload, access_key="7A8ABC73-A41B-4F1E-BA16-F7C03DAE1E22")
    key = created["photo"]["access_key"]
    assert key == "7A8ABC73-A41B-4F1E-BA16-F7C03DAE1E22"
    stack.settle()
    assert api.photos.find(key)["photo"]["processed"] is True
    found = api.photos.search(url_params={"per_page": 500})
    assert key in [p["access_key"] for p in found["photos"]]
    original = api.photos.media(key)
    assert original == upload.getvalue()
    for size, box in (("thumbnail", 200), ("large", 1600)):
        image = Image.open(io.BytesIO(api.photos.media(key, size)))
        assert max(image.size) <= box
    with pytest.raises(fulcrum.exceptions.NotFoundException):
        api.photos.find("no-such-photo")
    with pytest.raises(fulcrum.exceptions.UnauthorizedException):
        fulcrum.Fulcrum(key="jsk_wrong", uri=stack.url).photos.search()


def test_image_endpoints_send_proper_headers(stack: Stack, tenant: Tenant) -> None:
    key = str(uuid.uuid4())
    data = media.camera_jpeg()
    with stack.client() as client:
        assert jquery_upload(client, tenant, key, data).status_code == 201
        stack.settle()
        for path in (f"{key}.jpg", f"{key}/thumbnail.jpg", f"{key}/large.jpg"):
            response = client.get(f"/api/v2/photos/{path}", headers=seed_headers(tenant))
            assert response.status_code == 200, path
            assert response.headers["content-type"] == "image/jpeg"
            assert int(response.headers["content-length"]) == len(response.content)
            assert response.headers["cache-control"].startswith("private")
            etag = response.headers["etag"]
            again = client.get(
                f"/api/v2/photos/{path}",
                headers={**seed_headers(tenant), "If-None-Match": etag},
            )
            assert again.status_code == 304
        original = client.get(f"/api/v2/photos/{key}.jpg", headers=seed_headers(tenant))
        assert original.content == data
        meta = client.get(f"/api/v2/photos/{key}/thumbnail.json", headers=seed_headers(tenant))
        assert meta.status_code == 200
        thumb = meta.json()["thumbnail"]
        assert (thumb["width"], thumb["height"]) == (200, 150)
        assert thumb["content_type"] == "image/jpeg"
        assert httpx.get(thumb["url"]).status_code == 200


def test_missing_rendition_is_a_json_404_with_a_reason(stack: Stack, tenant: Tenant) -> None:
    key = str(uuid.uuid4())
    broken = images.jpeg(640, 480)[:400]
    with stack.client() as client:
        assert jquery_upload(client, tenant, key, broken).status_code == 201
        stack.settle()
        for path in (f"{key}/thumbnail.jpg", f"{key}/large.json"):
            response = client.get(f"/api/v2/photos/{path}", headers=seed_headers(tenant))
            assert response.status_code == 404
            assert response.headers["content-type"] == "application/json"
            assert "could not be made" in response.json()["error"]


@pytest.mark.parametrize(
    ("access_key", "data", "errors"),
    [
        (None, images.jpeg(), {"access_key": ["must be provided"]}),
        ("k-1", None, {"file": ["must be provided"]}),
        (None, None, {"access_key": ["must be provided"], "file": ["must be provided"]}),
    ],
    ids=["no-access-key", "no-file", "neither"],
)
def test_missing_fields_answer_422_in_the_seed_shape(
    stack: Stack, tenant: Tenant, access_key: str | None, data: bytes | None, errors: object
) -> None:
    stack.settle()
    rows, objects = stack.photo_rows(), stack.stored_objects()
    with stack.client() as client:
        response = jquery_upload(client, tenant, access_key, data)
    assert response.status_code == 422
    assert response.json() == {"photo": {"errors": errors}}
    assert (stack.photo_rows(), stack.stored_objects()) == (rows, objects)


def test_not_an_image_is_422_on_file(stack: Stack, tenant: Tenant) -> None:
    with stack.client() as client:
        response = jquery_upload(client, tenant, "pdf-1", images.PDF)
    assert response.status_code == 422
    assert "pdf" in response.json()["photo"]["errors"]["file"][0]


def test_retry_with_the_same_key_returns_the_first_photo(stack: Stack, tenant: Tenant) -> None:
    key = str(uuid.uuid4())
    data = images.jpeg(colour="purple")
    with stack.client() as client:
        first = jquery_upload(client, tenant, key, data)
        assert first.status_code == 201
        stack.settle()
        rows, objects = stack.photo_rows(), stack.stored_objects()
        again = jquery_upload(client, tenant, key, data)
        assert again.status_code == 200
        assert again.json()["photo"]["access_key"] == key
        assert again.json()["photo"]["created_at"] == first.json()["photo"]["created_at"]
        assert (stack.photo_rows(), stack.stored_objects()) == (rows, objects)
        different = jquery_upload(client, tenant, key, images.jpeg(colour="yellow"))
        assert different.status_code == 422
        assert list(different.json()["photo"]["errors"]) == ["access_key"]
        assert (stack.photo_rows(), stack.stored_objects()) == (rows, objects)


def test_unlinking_keeps_the_photo_and_filters_follow(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    key = str(uuid.uuid4())
    headers = seed_headers(tenant)
    with stack.client() as client:
        jquery_upload(client, tenant, key, images.jpeg(), **{"photo[record_id]": job})
        by_job = client.get("/api/v2/photos.json", headers=headers, params={"record_id": job})
        assert [p["access_key"] for p in by_job.json()["photos"]] == [key]
        unlinked = client.put(
            f"/api/v2/photos/{key}.json", headers=headers, json={"photo": {"record_id": None}}
        )
        assert unlinked.status_code == 200
        assert unlinked.json()["photo"]["record_id"] is None
        by_job = client.get("/api/v2/photos.json", headers=headers, params={"record_id": job})
        assert by_job.json()["total_count"] == 0
        assert client.get(f"/api/v2/photos/{key}", headers=headers).status_code == 200
        relinked = client.put(
            f"/api/v2/photos/{key}", headers=headers, json={"photo": {"record_id": job}}
        )
        assert relinked.json()["photo"]["record_id"] == job
        bad = client.put(
            f"/api/v2/photos/{key}", headers=headers, json={"photo": {"record_id": "nope"}}
        )
        assert bad.status_code == 422
        assert list(bad.json()["photo"]["errors"]) == ["record_id"]


def test_delete_is_not_allowed(stack: Stack, tenant: Tenant) -> None:
    key = str(uuid.uuid4())
    with stack.client() as client:
        jquery_upload(client, tenant, key, images.jpeg())
        for path in (f"/api/v2/photos/{key}.json", f"/api/v2/photos/{key}"):
            response = client.delete(path, headers=seed_headers(tenant))
            assert response.status_code == 405
            assert "GET" in response.headers["allow"]
        assert client.get(f"/api/v2/photos/{key}", headers=seed_headers(tenant)).status_code == 200


def test_list_pages_and_time_filters(stack: Stack) -> None:
    tenant = stack.new_tenant("Pager Ltd")
    headers = seed_headers(tenant)
    keys = [f"page-{i}" for i in range(5)]
    with stack.client() as client:
        for key in keys:
            assert jquery_upload(client, tenant, key, images.jpeg()).status_code == 201
        page2 = client.get(
            "/api/v2/photos.json", headers=headers, params={"page": 2, "per_page": 2}
        ).json()
        assert [p["access_key"] for p in page2["photos"]] == keys[2:4]
        assert (page2["current_page"], page2["total_pages"]) == (2, 3)
        assert (page2["total_count"], page2["per_page"]) == (5, 2)
        future = client.get(
            "/api/v2/photos.json", headers=headers, params={"created_since": "2999-01-01T00:00:00Z"}
        ).json()
        assert future["total_count"] == 0
        past = client.get(
            "/api/v2/photos", headers=headers, params={"updated_since": "946684800"}
        ).json()
        assert past["total_count"] == 5
        bad = client.get("/api/v2/photos.json", headers=headers, params={"created_since": "soon"})
        assert bad.status_code == 422


ENDPOINTS = [
    ("GET", "/api/v2/photos/{key}.json"),
    ("GET", "/api/v2/photos/{key}"),
    ("GET", "/api/v2/photos/{key}.jpg"),
    ("GET", "/api/v2/photos/{key}/thumbnail.json"),
    ("GET", "/api/v2/photos/{key}/thumbnail.jpg"),
    ("GET", "/api/v2/photos/{key}/large.json"),
    ("GET", "/api/v2/photos/{key}/large.jpg"),
    ("PUT", "/api/v2/photos/{key}.json"),
]


def test_no_token_is_401_everywhere(stack: Stack, tenant: Tenant) -> None:
    with stack.client() as client:
        assert client.get("/api/v2/photos.json").status_code == 401
        assert (
            jquery_upload(client, Tenant(0, "", "jsk_bad", ""), "k", images.jpeg()).status_code
            == 401
        )
        for method, path in ENDPOINTS:
            response = client.request(method, path.format(key="x"), json={"photo": {}})
            assert response.status_code == 401, path


def test_other_company_gets_404_on_every_endpoint(stack: Stack) -> None:
    owner, stranger = stack.new_tenant("Owner Co"), stack.new_tenant("Stranger Co")
    key = str(uuid.uuid4())
    with stack.client() as client:
        assert jquery_upload(client, owner, key, images.jpeg()).status_code == 201
        stack.settle()
        before = client.get(f"/api/v2/photos/{key}.json", headers=seed_headers(owner)).json()
        for method, path in ENDPOINTS:
            response = client.request(
                method,
                path.format(key=key),
                headers=seed_headers(stranger),
                json={"photo": {"record_id": None}},
            )
            assert response.status_code == 404, path
        listing = client.get("/api/v2/photos.json", headers=seed_headers(stranger)).json()
        assert key not in [p["access_key"] for p in listing["photos"]]
        same_key = jquery_upload(client, stranger, key, images.jpeg(colour="white"))
        assert same_key.status_code == 201  # keys are per company: nothing leaks
        after = client.get(f"/api/v2/photos/{key}.json", headers=seed_headers(owner)).json()
    assert after["photo"]["record_id"] == before["photo"]["record_id"]
    assert after["photo"]["file_size"] == before["photo"]["file_size"]
    assert after["photo"]["updated_at"] == before["photo"]["updated_at"]


def test_unpaged_search_with_the_real_client_returns_every_photo(stack: Stack) -> None:
    tenant = stack.new_tenant("Everything Ltd")
    uploaded = [f"all-{i:03d}" for i in range(150)]
    photo = images.jpeg(16, 12)
    with stack.client() as client:
        for key in uploaded:
            assert jquery_upload(client, tenant, key, photo).status_code == 201
    api = fulcrum.Fulcrum(key=tenant.api_key, uri=stack.url)
    # The vendor's own example: search() and read ["photos"], no paging.
    found = api.photos.search()
    assert sorted(p["access_key"] for p in found["photos"]) == uploaded
    assert (found["total_count"], found["per_page"], found["total_pages"]) == (150, 20_000, 1)
    capped = api.photos.search(url_params={"per_page": 50_000})
    assert (capped["per_page"], len(capped["photos"])) == (20_000, 150)


def test_state_filters_and_newest_first_are_never_ignored(stack: Stack) -> None:
    tenant = stack.new_tenant("Filters Ltd")
    headers = seed_headers(tenant)
    with stack.client() as client:
        for key in ("good-1", "good-2"):
            assert jquery_upload(client, tenant, key, images.jpeg()).status_code == 201
        # Sniffs as a JPEG, cannot be decoded: it is stored but never processed.
        assert jquery_upload(client, tenant, "broken", images.jpeg()[:400]).status_code == 201
        stack.settle()

        def keys(**params: str) -> list[str]:
            response = client.get("/api/v2/photos.json", headers=headers, params=params)
            assert response.status_code == 200, response.text
            return [p["access_key"] for p in response.json()["photos"]]

        assert keys(processed="false") == ["broken"]
        assert keys(processed="true") == ["good-1", "good-2"]
        assert keys(stored="true", uploaded="true") == ["good-1", "good-2", "broken"]
        assert keys(stored="false") == keys(uploaded="false") == []
        assert keys(processed="false", record_id=str(uuid.uuid4())) == []
        job = stack.new_job(tenant)
        relinked = client.put(
            "/api/v2/photos/good-1.json", headers=headers, json={"photo": {"record_id": job}}
        )
        assert relinked.status_code == 200
        # Sorted by updated_at, latest first: good-1 was just changed.
        assert keys(newest_first="true")[0] == "good-1"
        assert keys(newest_first="false") == ["good-1", "good-2", "broken"]


def test_url_is_the_stable_api_address_and_deleted_at_is_there(
    stack: Stack, tenant: Tenant
) -> None:
    key = f"stable-{uuid.uuid4()}"
    with stack.client() as client:
        made = jquery_upload(client, tenant, key, images.jpeg()).json()["photo"]
        assert made["url"] == f"{stack.url}/api/v2/photos/{key}"
        assert "?" not in made["url"]
        assert made["deleted_at"] is None
        again = client.get(made["url"], headers=seed_headers(tenant))
    assert again.json()["photo"]["access_key"] == key


def test_the_token_query_parameter_authenticates_and_a_wrong_one_is_refused_like_none(
    stack: Stack, tenant: Tenant
) -> None:
    with stack.client() as client:
        by_query = client.get("/api/v2/photos.json", params={"token": tenant.api_key})
        none = client.get("/api/v2/photos.json")
        wrong_query = client.get("/api/v2/photos.json", params={"token": "jsk_nope"})
        wrong_header = client.get("/api/v2/photos.json", headers={"X-ApiToken": "jsk_nope"})
    assert by_query.status_code == 200
    assert none.status_code == wrong_query.status_code == wrong_header.status_code == 401
    assert none.json() == wrong_query.json() == wrong_header.json()
