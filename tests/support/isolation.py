"""The tenant isolation matrix, generated: each operation of the served OpenAPI document and of
the web app's route table, with every place an identifier can go, called with someone else's
identifiers and with missing ones of the same shape."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from fastapi.params import File
from fastapi.routing import APIRoute, APIRouter

from tests.support import images
from tests.support.isolation_world import Identifiers

# Which API owns a path, by its prefix (the first that matches).
APIS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("crm photos", ("/api/v1/",)),
    ("fulcrum photos", ("/api/v2/",)),
    ("presigned photos", ("/light/",)),
    ("workphotos jobs", ("/job/",)),
    ("maintenance jobs", ("/api/jobs", "/api/auth/", "/api/security/", "/api/inbound/")),
    ("resumable uploads", ("/tus/",)),
    ("web app", ("/app", "/r/")),
)
REFERENCE_KINDS = (
    "status", "priority", "type", "payment_status", "time_range", "address", "document_type",
)  # fmt: skip
# The kind of thing a name points at, by the first word of it found in the name.
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("workspace", ("company",)),
    ("line_item", ("line_item",)),
    ("amend", ("amendment",)),
    ("note", ("note",)),
    ("document_type", ("document_type",)),
    ("document", ("document",)),
    ("photo", ("photo",)),
    ("access_key", ("photo",)),
    ("offline", ("photo",)),
    ("client_key", ("photo", "upload")),
    ("related_to", ("photo",)),
    ("report", ("report",)),
    ("upload", ("upload",)),
    ("payment_status", ("payment_status",)),
    ("status", ("status",)),
    ("priority", ("priority",)),
    ("job_type", ("type",)),
    ("type_id", ("type",)),
    ("time_range", ("time_range",)),
    ("address", ("address",)),
    ("agent", ("user",)),
    ("contractor", ("user",)),
    ("created_by", ("user",)),
    ("person", ("user",)),
    ("user", ("user",)),
    ("assignee", ("user",)),
    ("prefix", ("key",)),
    ("token", ("token",)),
    ("recall", ("recall",)),
    ("record", ("job",)),
    ("job", ("job",)),
    ("item", REFERENCE_KINDS),
)
_ID_NAMES = frozenset(
    {"id", "uuid", "key", "job", "token", "prefix", "person", "item", "assignee", "created_by",
     "access_key", "related_to", "photos"}
)  # fmt: skip
_ID_ENDINGS = ("_id", "_ids", "_uuid", "_uuids", "_key", "_line_item", "_token")
_NOT_IDS = frozenset({"csrf_token", "auth_key", "action", "api_key"})
# Values for fields that are no identifier, where "text" would be refused before any lookup.
_VALUES: dict[str, Any] = {
    "is_recall": "1",
    "completion_type": "standard",
    "field_name": "title",
    "requested_value": "Isolation probe title",
    "kind": "estimate",
    "quantity": "1",
    "unit_price": "10.00",
    "decision": "approved",
    "status": "approved",
    "stage": "in_progress",
    "email": "probe@example.com",
    "to": "probe@example.com",
    "role": "staff",
    "photo_type": "during",
    "locations": "0",
    "send_email": "0",
    "retention_days": "30",
    "capture_gap_hours": "24",
    "geofence_metres": "500",
}
# Path parameters that are no identifier, but must name something real to reach a lookup.
_PATH_VALUES = {"kind": "statuses", "version": "thumbnail", "path": "app.css"}
# Reads that run at once: they change nothing, and the server answers them side by side.
READERS = 4
_BODY_KINDS = {
    "application/json": "json",
    "application/x-www-form-urlencoded": "form",
    "multipart/form-data": "multipart",
}


@dataclass(frozen=True)
class Slot:
    """A place an identifier can go: where in the request, its name, its shape, what it names."""

    where: str  # path, query, json, form, multipart
    name: str
    shape: str | None  # int, uuid, or None for any
    kinds: tuple[str, ...]  # empty: it may name anything
    many: bool = False
    required: bool = False

    @property
    def base(self) -> str:
        """The name without its id/uuid ending: `job_id` and `job_uuid` name the same thing."""
        return re.sub(r"(^|_)(id|uuid|ids|uuids)$", "", _snake(self.name))


@dataclass(frozen=True)
class Operation:
    """One call a client can make: method, path template, its action, its slots and fixed fields."""

    api: str
    method: str
    path: str
    action: str | None
    slots: tuple[Slot, ...]
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)
    body_kind: str | None = None
    path_values: Mapping[str, str] = field(default_factory=dict)
    # Another encoding of a body already probed in full: one identifier per slot is enough.
    sampled: bool = False

    @property
    def name(self) -> str:
        """How the operation is named in a report."""
        action = f"?action={self.action}" if self.action else ""
        return f"{self.method} {self.path}{action} [{self.body_kind or 'no body'}]"

    @property
    def reads(self) -> bool:
        """Whether the call only reads."""
        return self.method in ("GET", "HEAD")


@dataclass(frozen=True)
class Probe:
    """One call with someone else's identifier in one slot (or in all), and its twin with a
    missing one of the same shape in its place."""

    operation: Operation
    values: Mapping[Slot, str]
    twins: Mapping[Slot, str]
    own: Mapping[Slot, str] | None = None  # the caller's own identifiers there, for a read

    @property
    def name(self) -> str:
        """The operation and what was sent where."""
        sent = ", ".join(f"{s.where}:{s.name}={v}" for s, v in self.values.items())
        return f"{self.operation.name} with {sent}"


# -- generating operations -----------------------------------------------------------------


def api_of(path: str) -> str:
    """The API that owns `path`, or "other"."""
    return next((name for name, prefixes in APIS if path.startswith(prefixes)), "other")


def spec_operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI document, one for each action and body type it takes."""
    found: list[Operation] = []
    for key, methods in spec["paths"].items():
        path, _, fixed = key.partition("?")
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete", "head", "options"):
                continue
            found += _variants(spec, path, method.upper(), operation, _fixed_query(fixed))
    # An action also served at a path of its own is probed in full there; its vendor form
    # (`?action=`), the same handler, with one identifier per slot.
    own_paths = {(o.method, o.path) for o in found}
    return [
        replace(o, sampled=True) if (o.method, f"{o.path}/{o.action}") in own_paths else o
        for o in found
    ]


def route_operations(router: APIRouter, prefixes: tuple[str, ...]) -> list[Operation]:
    """Every route of a router's table (included routers too) under `prefixes`."""
    found: list[Operation] = []
    for path, route in _routes(router):
        if not path.startswith(prefixes):
            continue
        slots, values = _route_params(route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            body_kind = "form" if method == "POST" else None
            body = dict(values["body"])
            found.append(
                Operation(
                    api_of(path), method, path, None, tuple(slots),
                    query=values["query"], body=body, body_kind=body_kind,
                    path_values=values["path"],
                )
            )  # fmt: skip
    return found


def _routes(router: APIRouter, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = route.include_context  # type: ignore[attr-defined]
            yield from _routes(included, prefix + context.prefix)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def _route_params(route: APIRoute) -> tuple[list[Slot], dict[str, dict[str, Any]]]:
    slots: list[Slot] = []
    values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "body": {}}
    dependant = route.dependant
    params = [
        *(("path", p) for p in dependant.path_params),
        *(("query", p) for p in dependant.query_params),
        *(("form", p) for p in dependant.body_params),
    ]
    for where, param in params:
        name = param.alias
        if isinstance(param.field_info, File):
            values["body"][name] = ("probe.jpg", images.jpeg(), "image/jpeg")
            continue
        kinds = id_kinds(name, {})
        if kinds is None:
            if where == "path":
                values["path"][name] = _PATH_VALUES.get(name, "x")
            elif where == "form" or param.field_info.is_required():
                values["body" if where == "form" else where][name] = _VALUES.get(
                    name, "Isolation probe"
                )
            continue
        annotation = str(param.field_info.annotation)
        shape = "int" if "int" in annotation else ("uuid" if "uuid" in name.lower() else None)
        many = "list" in annotation.lower()
        slots.append(
            Slot(where, name, shape, kinds, many, where == "path" or param.field_info.is_required())
        )
    return slots, values


def _variants(
    spec: dict[str, Any], path: str, method: str, operation: dict[str, Any], fixed: dict[str, str]
) -> list[Operation]:
    api = api_of(path)
    slots: list[Slot] = []
    query: dict[str, Any] = dict(fixed)
    path_values: dict[str, str] = {}
    has_query_action = False
    for param in operation.get("parameters", []):
        schema = _resolve(spec, param.get("schema", {}))
        name, where = param["name"], param["in"]
        if where not in ("path", "query"):
            continue
        if name == "action":
            has_query_action = True
            continue
        kinds = id_kinds(name, schema)
        required = bool(param.get("required")) or where == "path"
        if kinds is not None:
            slots.append(Slot(where, name, _shape(name, schema), kinds, _many(schema), required))
        elif where == "path":
            path_values[name] = _PATH_VALUES.get(name) or str(_example(spec, name, schema))
        elif required:
            value = str(_example(spec, name, schema))
            (path_values if where == "path" else query)[name] = value
    bodies = _bodies(spec, operation)
    actions = _actions(spec, operation, bodies)
    found: list[Operation] = []
    nothing: list[tuple[str | None, dict[str, Any], set[str]]] = [(None, {}, set())]
    for index, (body_kind, properties, required_fields) in enumerate(bodies or nothing):
        body_slots = list(slots)
        body: dict[str, Any] = {}
        for name, schema in properties.items():
            schema = _resolve(spec, schema)
            if name == "action":
                continue
            kinds = id_kinds(name, schema)
            if kinds is not None and body_kind is not None:
                where = body_kind
                required = name in required_fields
                body_slots.append(
                    Slot(where, name, _shape(name, schema), kinds, _many(schema), required)
                )
            else:
                body[name] = _example(spec, name, schema)
        for action in actions:
            action_query = {**query, "action": action} if has_query_action and action else query
            action_body = {**body, "action": action} if action and "action" in properties else body
            found.append(
                Operation(
                    api, method, path, action, tuple(body_slots), query=action_query,
                    body=action_body, body_kind=body_kind, path_values=path_values,
                    sampled=index > 0,
                )
            )  # fmt: skip
    return found


def _fixed_query(fixed: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in fixed.split("&") if "=" in part)


def _bodies(
    spec: dict[str, Any], operation: dict[str, Any]
) -> list[tuple[str, dict[str, Any], set[str]]]:
    """Each body type the operation documents, with its properties (a bare `object` borrows
    the properties another of its types documents)."""
    content = operation.get("requestBody", {}).get("content", {})
    documented: list[tuple[str, dict[str, Any], set[str]]] = []
    for media_type, entry in content.items():
        kind = _BODY_KINDS.get(media_type)
        if kind is None:
            continue
        schema = _resolve(spec, entry.get("schema", {}))
        documented.append((kind, schema.get("properties", {}), set(schema.get("required", []))))
    richest = max(documented, key=lambda b: len(b[1]), default=None)
    if richest is None:
        return []
    return [(kind, props or richest[1], req or richest[2]) for kind, props, req in documented]


def _actions(
    spec: dict[str, Any],
    operation: dict[str, Any],
    bodies: list[tuple[str, dict[str, Any], set[str]]],
) -> list[str | None]:
    """The actions an operation takes: from an `action` parameter's or property's enum or
    const, an `x-action` extension, else the `action=...` its description names."""
    found: list[str] = []
    schemas = [
        _resolve(spec, p.get("schema", {}))
        for p in operation.get("parameters", [])
        if p["name"] == "action"
    ]
    schemas += [_resolve(spec, props["action"]) for _, props, _ in bodies if "action" in props]
    for schema in schemas:
        found += [str(v) for v in _choices(schema)]
    for key in ("x-action", "x-jobshots-action"):
        if key in operation:
            found.append(str(operation[key]))
    if not found and schemas:
        found = re.findall(r"action=(\w+)", operation.get("description", ""))
    return list(dict.fromkeys(found)) or [None]


def _choices(schema: dict[str, Any]) -> list[Any]:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    return [v for s in schema.get("anyOf", []) for v in _choices(s)]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema behind a `$ref`, and the non-null branch of an `anyOf` with null."""
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    branches = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(branches) == 1 and "enum" not in schema and "const" not in schema:
        return {**_resolve(spec, branches[0]), **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


def id_kinds(name: str, schema: dict[str, Any]) -> tuple[str, ...] | None:
    """What an identifier in a field of this name may name (empty: anything), or None when the
    field holds no identifier."""
    snake = _snake(name)
    if snake in _NOT_IDS or schema.get("format") == "binary":
        return None
    items = schema.get("items", {})
    if isinstance(items, dict) and items.get("format") == "binary":
        return None
    if snake not in _ID_NAMES and not snake.endswith(_ID_ENDINGS):
        return None
    return next((kinds for word, kinds in _KIND_WORDS if word in snake), ())


def _shape(name: str, schema: dict[str, Any]) -> str | None:
    items = schema.get("items") if schema.get("type") == "array" else None
    typed = items if isinstance(items, dict) else schema
    if typed.get("type") == "integer":
        return "int"
    if typed.get("format") == "uuid" or "uuid" in name.lower():
        return "uuid"
    return None


def _many(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "array"


def _example(spec: dict[str, Any], name: str, schema: dict[str, Any]) -> Any:
    """A plausible value for a field that is no identifier."""
    schema = _resolve(spec, schema)
    choices = _choices(schema)
    if choices:
        return choices[0]
    if schema.get("format") == "binary":
        return ("probe.jpg", images.jpeg(), "image/jpeg")
    kind = schema.get("type")
    if kind == "array":
        return [_example(spec, name, schema.get("items", {}))]
    if name in _VALUES:
        return _VALUES[name]
    plain: dict[str, Any] = {"boolean": True, "integer": 1, "number": 1, "object": {}}
    return plain.get(str(kind), "Isolation probe")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


# -- generating probes ---------------------------------------------------------------------


def probes(
    operation: Operation, own: Identifiers, other: Identifiers, seed: int, *, sample: bool = False
) -> list[Probe]:
    """The operation with `other`'s identifiers in each slot in turn (the caller's own filling
    the slots that name something else), then in all slots at once; each with its twin. With
    `sample` (or for another encoding of a body probed already), one identifier per slot
    rather than one of each shape (integer id, UUID, client key)."""
    found: list[Probe] = []
    for slot in operation.slots:
        mine = candidates(slot, own)
        tried = candidates(slot, other, besides=own)
        for value in tried[:1] if sample or operation.sampled else tried:
            fill = _fill(operation, slot, own, other)
            twin = missing_like(value, seed)
            same_shape = [v for v in mine if shape_of(v) == shape_of(value)]
            control = {**fill, slot: same_shape[0]} if operation.reads and same_shape else None
            found.append(Probe(operation, {**fill, slot: value}, {**fill, slot: twin}, control))
    if len(operation.slots) > 1:
        theirs = {s: next(iter(candidates(s, other, besides=own)), None) for s in operation.slots}
        sent = {s: v for s, v in theirs.items() if v is not None}
        if len(sent) > 1:
            twins = {s: missing_like(v, seed) for s, v in sent.items()}
            found.append(Probe(operation, sent, twins))
    return found


def candidates(slot: Slot, ids: Identifiers, besides: Identifiers | None = None) -> list[str]:
    """One identifier of each shape for each kind the slot may name, that fits its shape;
    leaving out any that also names one of `besides`'s things of those kinds (integer ids of
    two kinds of thing can be equal)."""
    kinds = slot.kinds or tuple(ids)
    taken = {
        v for kind in slot.kinds or tuple(besides or {}) for v in (besides or {}).get(kind, [])
    }
    found: list[str] = []
    seen: set[str] = set()
    for kind in kinds:
        if slot.kinds:
            seen = set()  # a slot naming anything tries one identifier of each shape in all
        for value in ids.get(kind, []):
            shape = shape_of(value)
            if shape in seen or value in taken or slot.shape not in (None, shape):
                continue
            seen.add(shape)
            found.append(value)
    return found


def _fill(
    operation: Operation, probed: Slot, own: Identifiers, other: Identifiers
) -> dict[Slot, str]:
    """The caller's own identifiers in the other slots: those naming the same thing as the
    probed slot (`job_id` beside `job_uuid`) are left out unless they must be sent."""
    fill: dict[Slot, str] = {}
    for slot in operation.slots:
        if slot == probed:
            continue
        alternative = slot.base == probed.base or "" in (slot.base, probed.base)
        if alternative and not slot.required:
            continue
        value = next(iter(candidates(slot, own, besides=other)), None)
        if value is not None:
            fill[slot] = value
    return fill


def shape_of(value: str) -> str:
    """What an identifier looks like: `int`, `uuid` or `text` (keys, tokens, client keys)."""
    if value.isdigit():
        return "int"
    if re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value):
        return "uuid"
    return "text"


def missing_like(value: str, seed: int) -> str:
    """An identifier of the same shape that names nothing: a fresh UUID, an unused integer,
    or text with each letter and digit swapped for another. The same each time for the same
    value, so that a client key sent twice is a retry for its twin too."""
    chance = random.Random(f"{seed}:{value}")
    shape = shape_of(value)
    if shape == "uuid":
        return str(uuid_from(chance))
    if shape == "int":
        return str(900_000_000 + chance.randrange(1, 99_999_999))
    return "".join(_swap(c, chance) for c in value)


def uuid_from(chance: random.Random) -> str:
    """A random version 4 UUID from a seeded generator."""
    import uuid

    return str(uuid.UUID(int=chance.getrandbits(128), version=4))


def _swap(char: str, chance: random.Random) -> str:
    for alphabet in ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        if char in alphabet:
            return chance.choice(alphabet)
    return char


# -- calling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What came back: the status and the body."""

    status: int
    body: str

    def same_as(self, other: Answer) -> bool:
        """Whether the two answers are alike but for what a server makes afresh (new UUIDs,
        ids, times)."""
        return self.status == other.status and (
            self.body == other.body or _fresh(self.body) == _fresh(other.body)
        )


def _token(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])")


_FRESH = (
    (re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"), "<uuid>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), "<time>"),
    (re.compile(r'("(?:\w*_id|id|ID)":\s*)\d+'), r"\1<n>"),
    (re.compile(r"([?&](?:exp|sig|X-Amz-\w+|Signature|Expires)=)[^&\"']+"), r"\1<signed>"),
)


def _fresh(text: str) -> str:
    for pattern, blank in _FRESH:
        text = pattern.sub(blank, text)
    return text


def call(
    client: httpx.Client, operation: Operation, values: Mapping[Slot, str], given: Mapping[str, str]
) -> Answer:
    """Make the call with `values` in their slots and the caller's credentials in the body
    fields that carry them (`given`)."""
    path_values = dict(operation.path_values)
    query = dict(operation.query)
    body: dict[str, Any] = dict(operation.body)
    if operation.body_kind is not None:
        body.update({k: v for k, v in given.items() if k == "csrf_token" or k in body})
    for slot, value in values.items():
        sent: Any = [value] if slot.many else value
        if slot.where == "path":
            path_values[slot.name] = value
        elif slot.where == "query":
            query[slot.name] = sent
        else:
            body[slot.name] = _typed(slot, sent) if slot.where == "json" else sent
    path = re.sub(
        r"\{(\w+)(:\w+)?\}", lambda m: str(path_values.get(m.group(1), "x")), operation.path
    )
    kwargs: dict[str, Any] = {"params": query}
    files = {k: v for k, v in body.items() if _is_file(v)}
    if operation.body_kind == "json":
        kwargs["json"] = {k: v for k, v in body.items() if k not in files}
    elif operation.body_kind == "form":
        kwargs["data"] = {k: v for k, v in body.items() if k not in files}
    elif operation.body_kind == "multipart":
        kwargs["data"] = {k: v for k, v in body.items() if k not in files}
        kwargs["files"] = [
            (k, f) for k, v in files.items() for f in (v if isinstance(v, list) else [v])
        ] or {"unused": ("", b"", "text/plain")}
    answer = client.request(operation.method, path, **kwargs)
    return Answer(answer.status_code, answer.text)


def _is_file(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_is_file(v) for v in value)
    return isinstance(value, tuple)


def _typed(slot: Slot, value: Any) -> Any:
    if slot.shape == "int":
        return [int(v) for v in value] if slot.many else int(value)
    return value


# -- running -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a run found: the calls that answered unlike a missing id, and how many calls it
    made; and, as the control, how many reads with the caller's own ids answered otherwise."""

    leaks: list[str] = field(default_factory=list)
    calls: int = 0
    operations: int = 0
    controls: int = 0
    live: int = 0


def run(
    client: httpx.Client,
    given: Mapping[str, str],
    operations: list[Operation],
    own: Identifiers,
    other: Identifiers,
    seed: int,
    *,
    keys_shared: bool = False,
    sample: bool = False,
) -> Outcome:
    """Every probe of every operation, then its twin: the reads a few operations at a time,
    then the writes one by one (deletes last), as they change what later calls find.

    With `keys_shared` (both sides in one company, whose client keys are unique in it), a
    client key already taken may instead be refused, naming nothing of what holds it."""

    def probe_all(operation: Operation) -> Outcome:
        made = probes(operation, own, other, seed, sample=sample)
        found = Outcome(operations=int(bool(made)))
        for probe in made:
            _probe(client, given, probe, other, found, keys_shared=keys_shared)
        return found

    reads = [o for o in operations if o.reads]
    writes = sorted((o for o in operations if not o.reads), key=lambda o: o.method == "DELETE")
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        outcomes = list(pool.map(probe_all, reads))
    outcomes += [probe_all(operation) for operation in writes]
    total = Outcome()
    for part in outcomes:
        total.leaks += part.leaks
        total.calls += part.calls
        total.operations += part.operations
        total.controls += part.controls
        total.live += part.live
    return total


def _probe(
    client: httpx.Client,
    given: Mapping[str, str],
    probe: Probe,
    other: Identifiers,
    outcome: Outcome,
    *,
    keys_shared: bool,
) -> None:
    operation = probe.operation
    theirs = call(client, operation, probe.values, given)
    missing = call(client, operation, probe.twins, given)
    outcome.calls += 2
    alike = _alike(theirs, probe.values, missing, probe.twins)
    if not alike and not operation.reads:
        # A write may have consumed the caller's own thing it was also given (a photo
        # deleted, whichever job was named): then it now answers as its twin did.
        theirs = call(client, operation, probe.values, given)
        outcome.calls += 1
        alike = _alike(theirs, probe.values, missing, probe.twins) or _both_made(
            theirs, missing, other, probe.values
        )
    if not alike and not (keys_shared and _taken_key_refused(probe, theirs)):
        outcome.leaks.append(_leak(probe, theirs, missing))
    if probe.own is not None:
        mine = call(client, operation, probe.own, given)
        outcome.calls += 1
        outcome.controls += 1
        outcome.live += not _alike(mine, probe.own, missing, probe.twins)


def _taken_key_refused(probe: Probe, theirs: Answer) -> bool:
    keys = [v for s, v in probe.values.items() if v != probe.twins[s] and shape_of(v) == "text"]
    named = _FRESH[0][0].search(theirs.body) or any(
        _token(v).search(theirs.body) for v in probe.values.values()
    )
    return bool(keys) and theirs.status in (400, 409, 422) and not named


def _alike(one: Answer, sent: Mapping[Slot, str], other: Answer, twins: Mapping[Slot, str]) -> bool:
    """Alike once each side's identifier is blanked out where both sides echo theirs."""
    mine, theirs = one.body, other.body
    for slot, value in sent.items():
        twin = twins.get(slot)
        if twin and twin != value and _token(value).search(mine) and _token(twin).search(theirs):
            mine, theirs = _token(value).sub("<id>", mine), _token(twin).sub("<id>", theirs)
    return Answer(one.status, mine).same_as(Answer(other.status, theirs))


def _both_made(
    theirs: Answer, missing: Answer, other: Identifiers, sent: Mapping[Slot, str]
) -> bool:
    """A write that succeeded on both sides (made something, or gave back what an earlier
    probe made with the same client key) and names nothing of the other side but what it
    was sent."""
    if theirs.status not in (200, 201) or missing.status not in (200, 201):
        return False
    named = {v for values in other.values() for v in values if shape_of(v) != "int"}
    return not any(_token(v).search(theirs.body) for v in named - set(sent.values()))


def _leak(probe: Probe, theirs: Answer, missing: Answer) -> str:
    return (
        f"{probe.name}\n    theirs: {theirs.status} {theirs.body[:300]}"
        f"\n    missing: {missing.status} {missing.body[:300]}"
    )
