"""Where each `?action=` variant of the maintenance API has a path of its own.

The vendor multiplexes several operations on one method and path by `action`, which OpenAPI
cannot tell apart; each variant is also served at `<vendor path>/<action>`, by the same code,
so that it is its own documented operation (with its own parameters, body and operationId).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Query


def variant(path: str, action: str) -> str:
    """The path of one action of the vendor's multiplexed `path`."""
    return f"{path}/{action}"


def vendor_form(path: str, actions: Iterable[str]) -> str:
    """The OpenAPI description of the vendor's multiplexed operation, naming each variant's."""
    listed = ", ".join(f"`{action}` (`{variant(path, action)}`)" for action in actions)
    return (
        "The vendor's form: the operation is chosen by `action` in the body or query string. "
        f"Each action is also its own operation at its own path: {listed}."
    )


def action_query(actions: Iterable[str]) -> Any:
    """The `action` query parameter of a vendor's form, documented with the actions it takes
    (checked by the handler, which names the choices when it is missing or wrong)."""
    return Query(description="Which operation", json_schema_extra={"enum": list(actions)})
