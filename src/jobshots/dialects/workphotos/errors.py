"""How the WorkPhotos API reports errors: `{"error": "<message>"}`, readable from any origin."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.dialects.workphotos.cors import ALLOW_ORIGIN
from jobshots.http.apis import failures
from jobshots.http.errors import status_for

BODY = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
RESPONSES = failures(BODY, 400, 401, 403, 404, 409, 429)

# Core field names as WorkPhotos clients know them.
FIELD_NAMES = {"title": "name", "job": "jobId"}


def render(exc: errors.CoreError) -> Response:
    """The status for this error, with one sentence saying what was wrong."""
    status = status_for(exc)
    # A browser page of any origin must be able to read the failure, a crash included.
    return JSONResponse({"error": _sentence(exc)}, status_code=status, headers=ALLOW_ORIGIN)


def _sentence(exc: errors.CoreError) -> str:
    if isinstance(exc, errors.WrongWorkspace):
        return "workspaceId is not the workspace of this authKey"
    if isinstance(exc, errors.Invalid) and exc.fields.keys() & FIELD_NAMES.keys():
        return "; ".join(
            f"{FIELD_NAMES.get(name, name)} {problem}"
            for name, problems in exc.fields.items()
            for problem in problems
        )
    return exc.message
