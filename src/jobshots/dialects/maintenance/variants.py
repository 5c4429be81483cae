"""Where each `?action=` variant of the maintenance API has a path of its own.

The vendor multiplexes several operations on one method and path by `action`, which OpenAPI
cannot tell apart; each variant is also served at `<vendor path>/<action>`, by the same code,
so that it is its own documented operation (with its own parameters, body and operationId).
"""

from __future__ import annotations

from collections.abc import Iterable


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
