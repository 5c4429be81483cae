"""Routes of the maintenance API: the reference data a job's fields point at, each kind at
`/api/jobs/<kind>` with `action=list`, and `action=create|update|delete` for managers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse

from jobshots.core.errors import Invalid
from jobshots.core.reference import service as reference
from jobshots.dialects.maintenance.common import Caller, Writer, required, whole_number
from jobshots.dialects.maintenance.variants import action_query, variant, vendor_form
from jobshots.dialects.maintenance.wire import reference as wire

router = APIRouter()

PATHS = {
    "statuses": "/api/jobs/statuses",
    "types": "/api/jobs/types",
    "priorities": "/api/jobs/priorities",
    "payment_statuses": "/api/jobs/payment-statuses",
    "time_ranges": "/api/jobs/time-ranges",
    "addresses": "/api/jobs/addresses",
    "document_types": "/api/jobs/document-types",
}
# A company's addresses run to thousands, so they come a page at a time; the short lists whole.
LIMIT_DEFAULTS = {"addresses": 50}
# The fields of an option, as callers send them (the kind's `<x>_name` also names it).
FIELDS = frozenset(
    {
        "name", "sort_order", "code", "stage", "pauses_sla",
        "response_target", "response_clock", "completion_target", "completion_clock",
        "start_time", "end_time",
        "address_line_1", "address_line_2", "city", "postcode", "country",
        "latitude", "longitude",
    }
)  # fmt: skip


class OptionFields(BaseModel):
    """An option's fields, as a create sends them (the kind's `<x>_name` also names it)."""

    model_config = ConfigDict(extra="ignore")
    name: Any = None
    status_name: Any = None
    job_type_name: Any = None
    priority_name: Any = None
    payment_status_name: Any = None
    time_range_name: Any = None
    document_type_name: Any = None
    sort_order: Any = None
    code: Any = None
    stage: Any = None
    pauses_sla: Any = None
    response_target: Any = None
    response_clock: Any = None
    completion_target: Any = None
    completion_clock: Any = None
    start_time: Any = None
    end_time: Any = None
    address_line_1: Any = None
    address_line_2: Any = None
    city: Any = None
    postcode: Any = None
    country: Any = None
    latitude: Any = None
    longitude: Any = None

    def sent(self, kind: str) -> dict[str, object]:
        """The fields sent, by the core's names; `name` wins over the kind's `<x>_name`."""
        given: dict[str, object] = {
            name: getattr(self, name) for name in self.model_fields_set & FIELDS
        }
        alias = wire.name_field(kind)
        if alias in self.model_fields_set:
            given.setdefault("name", getattr(self, alias))
        return given


class OptionNamed(BaseModel):
    """Which option: `ID` (or `id`), else `uuid`."""

    model_config = ConfigDict(extra="ignore")
    uuid: Any = None
    ID: Any = None
    id: Any = None

    def option(self) -> reference.ItemRef:
        """The option named by `ID` (or `id`), else by `uuid`."""
        number = self.ID if "ID" in self.model_fields_set else self.id
        if number is not None and not isinstance(number, str | int):
            raise Invalid.field("ID", "must be a whole number")
        found = whole_number(number, "ID")
        if found is not None:
            return reference.ItemRef(id=found)
        if isinstance(self.uuid, str) and self.uuid.strip():
            return reference.ItemRef(uuid=self.uuid)
        raise Invalid.field("uuid", "or ID is required")


class OptionChange(OptionFields, OptionNamed):
    """An update: which option, and only the fields that change."""


class OptionBody(OptionChange):
    """`POST /api/jobs/<kind>`: the action, which option (`uuid` or `ID`), and its fields."""

    action: str | None = None


def _reader(kind: str) -> Callable[..., dict[str, Any]]:
    def read(
        call: Caller,
        action: Annotated[str | None, action_query(["list"])] = None,
        search: Annotated[str | None, Query(max_length=200)] = None,
        limit: str | None = None,
        offset: str | None = None,
    ) -> dict[str, Any]:
        if required(action, "action") != "list":
            raise Invalid.field("action", "must be list")
        wanted = whole_number(limit, "limit")
        found, total = reference.list_items(
            call.uow, call.principal, kind, search,
            offset=whole_number(offset, "offset") or 0,
            limit=LIMIT_DEFAULTS.get(kind, reference.LIMIT_MAX) if wanted is None else wanted,
        )  # fmt: skip
        return wire.items(kind, found, total)

    read.__doc__ = f"`action=list`: the company's {wire.LABELS[kind][0].lower()}."
    return read


ACTIONS = action_query(["create", "update", "delete"])


def _writer(kind: str) -> Callable[..., dict[str, Any] | JSONResponse]:
    def write(
        body: OptionBody, call: Writer, action: Annotated[str | None, ACTIONS] = None
    ) -> dict[str, Any] | JSONResponse:
        chosen = required(body.action or action, "action")
        if chosen not in WRITES:
            raise Invalid.field("action", "must be create, update or delete")
        return WRITES[chosen](kind)(body, call)

    write.__doc__ = (
        "`action=create` (201), `update` (only the fields sent) or `delete` (by uuid or ID)."
    )
    return write


def _creator(kind: str) -> Callable[..., JSONResponse]:
    def create(body: OptionFields, call: Writer) -> JSONResponse:
        made = reference.create(call.uow, call.principal, kind, body.sent(kind))
        return JSONResponse(wire.changed(kind, made, "created"), status_code=201)

    create.__doc__ = "The vendor's `action=create`: 201 with the new option."
    return create


def _updater(kind: str) -> Callable[..., dict[str, Any]]:
    def update(body: OptionChange, call: Writer) -> dict[str, Any]:
        changed = reference.update(call.uow, call.principal, kind, body.option(), body.sent(kind))
        return wire.changed(kind, changed, "updated")

    update.__doc__ = "The vendor's `action=update`: only the fields sent change."
    return update


def _deleter(kind: str) -> Callable[..., dict[str, Any]]:
    def delete(body: OptionNamed, call: Writer) -> dict[str, Any]:
        reference.delete(call.uow, call.principal, kind, body.option())
        return wire.deleted(kind)

    delete.__doc__ = "The vendor's `action=delete`, by uuid or ID."
    return delete


WRITES: dict[str, Callable[[str], Callable[..., dict[str, Any] | JSONResponse]]] = {
    "create": _creator,
    "update": _updater,
    "delete": _deleter,
}


def _mount(kind: str, path: str) -> None:
    label = wire.LABELS[kind][0].lower()
    router.add_api_route(
        path, _reader(kind), methods=["GET"], name=f"list_{kind}", summary=f"List {label}"
    )
    router.add_api_route(
        path,
        _writer(kind),
        methods=["POST"],
        name=f"change_{kind}",
        summary=f"Create, update or delete {label} (the vendor's form)",
        description=vendor_form(path, WRITES),
        response_model=None,
    )
    for action, endpoint in WRITES.items():
        router.add_api_route(
            variant(path, action),
            endpoint(kind),
            methods=["POST"],
            name=f"{action}_{kind}",
            summary=f"{action.capitalize()} one of the {label}",
            response_model=None,
            operation_id=f"{kind}_{action}",
            status_code=201 if action == "create" else 200,
        )


for kind_name, kind_path in PATHS.items():
    _mount(kind_name, kind_path)
