"""The maintenance API's JSON shapes."""

from __future__ import annotations

from typing import Any

from jobshots.core.logins.service import Login
from jobshots.core.photos.views import PhotoView
from jobshots.core.times import iso_seconds

# A video's playback variants, by rendition kind: the label the vendor's players show.
VIDEO_VARIANTS = {"video_720p": "720p", "video_360p": "360p"}
# The vendor's account types, by Jobshots role.
ACCOUNT_TYPES = {
    "owner": "Staff",
    "manager": "Staff",
    "staff": "Staff",
    "contractor": "Contractor",
    "agent": "Agent",
    "viewer": "Staff",
}


def ok(message: str, data: Any = None, **extra: Any) -> dict[str, Any]:
    """The success envelope."""
    body: dict[str, Any] = {"success": True, "message": message}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return body


def listed(message: str, items: list[Any], total: int) -> dict[str, Any]:
    """A list's envelope: `count` is the records in `data`, `total` all that match."""
    return ok(message, items, count=len(items), total=total)


def login(issued: Login) -> dict[str, Any]:
    """A login's answer: the token at the top level, as the vendor writes it."""
    return {
        "success": True,
        "message": "Login successful",
        "token": issued.token,
        "token_type": "Bearer",
        "expires_at": iso_seconds(issued.expires_at),
        "user": {
            "uuid": str(issued.user.uuid),
            "name": issued.user.display_name,
            "email": issued.email,
            "account_type": ACCOUNT_TYPES.get(issued.role, "Staff"),
        },
        "usage": "Send it as 'Authorization: Bearer <token>'; it lasts 90 days.",
    }


def pin(pinned: bool) -> dict[str, Any]:
    """A pin toggled: the state at the top level, as the vendor writes it."""
    message = "Job pinned to your dashboard" if pinned else "Job unpinned from your dashboard"
    return ok(message, is_pinned=pinned)


def video_variants(item: PhotoView) -> dict[str, Any]:
    """A video's made variants, largest first; an empty list while only the original exists."""
    variants = [
        {
            "label": label,
            "width": made.width,
            "height": made.height,
            "mime_type": made.mime_type,
            "size": made.file_size,
            "url": made.url,
        }
        for kind, label in VIDEO_VARIANTS.items()
        if (made := item.renditions.get(kind)) is not None
    ]
    return ok("Video variants", {"uuid": str(item.uuid), "variants": variants})
