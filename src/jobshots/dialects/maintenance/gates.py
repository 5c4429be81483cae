"""Routes of the maintenance API: a job's approval gate (`/api/jobs/approval-gate`) and the
company's rule of which jobs it holds (`/api/jobs/approval-gate-rule`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from jobshots.core.errors import Invalid
from jobshots.core.jobs import approvals
from jobshots.dialects.maintenance import wire
from jobshots.dialects.maintenance.common import Caller, Writer, required_job, text
from jobshots.dialects.maintenance.variants import action_query, variant, vendor_form
from jobshots.dialects.maintenance.wire import gates as gate_wire
from jobshots.http.caller import Call

router = APIRouter()
RULE_PATH = "/api/jobs/approval-gate-rule"
# The decisions callers send, by the core's; the request's past tense is taken too.
DECISIONS = {"approve": "approve", "approved": "approve", "reject": "reject", "rejected": "reject"}


class DecisionBody(BaseModel):
    """`POST /api/jobs/approval-gate`: the job, `approve` or `reject`, and why."""

    model_config = ConfigDict(extra="ignore")
    job_uuid: Any = None
    job_id: Any = None
    decision: Any = None
    notes: Any = None


class RuleFields(BaseModel):
    """The rule's fields: only those sent change."""

    model_config = ConfigDict(extra="ignore")
    status_id: Any = None
    budget_over: Any = None
    job_type_ids: Any = None

    def change(self) -> approvals.RuleChange:
        """The fields sent."""
        sent = self.model_fields_set & approvals.RULE_FIELDS
        return approvals.RuleChange({name: getattr(self, name) for name in sent})


class RuleBody(RuleFields):
    """`POST /api/jobs/approval-gate-rule`: `action=set` (only the fields sent change) or
    `action=delete`."""

    action: str | None = None


@router.get("/api/jobs/approval-gate", summary="A job's approval gate")
def read_gate(
    call: Caller, job_uuid: str | None = None, job_id: str | None = None
) -> dict[str, Any]:
    """The job's gate (`pending`, `approved` or `rejected`); null when no gate holds it."""
    found = approvals.gate(call.uow, call.principal, required_job(job_id, job_uuid))
    return _answer("Approval gate retrieved", gate_wire.gate(found))


@router.post("/api/jobs/approval-gate", summary="Approve or reject a job at its approval gate")
def decide(body: DecisionBody, call: Writer) -> dict[str, Any]:
    """Managers and owners only; the latest decision stands. A job no gate holds is 400."""
    job = required_job(text(body.job_id), text(body.job_uuid))
    chosen = DECISIONS.get(str(body.decision).strip().lower()) if body.decision else None
    if chosen is None:
        raise Invalid.field("decision", "must be approve or reject")
    if body.notes is not None and not isinstance(body.notes, str):
        raise Invalid.field("notes", "must be text")
    made = approvals.decide(call.uow, call.principal, job, chosen, body.notes)
    message = "Job approved at its gate" if chosen == "approve" else "Job rejected at its gate"
    return wire.ok(message, gate_wire.gate(made))


@router.get(RULE_PATH, summary="The company's approval gate rule")
def read_rule(call: Caller) -> dict[str, Any]:
    """The status the gate guards and the conditions of the jobs it holds; null when none."""
    found = approvals.rule(call.uow, call.principal)
    return _answer("Approval gate rule retrieved", gate_wire.rule(found))


@router.post(
    RULE_PATH,
    summary="Set or remove the company's approval gate rule (the vendor's form)",
    description=vendor_form(RULE_PATH, ("set", "delete")),
)
def write_rule(
    body: RuleBody,
    call: Writer,
    action: Annotated[str | None, action_query(["set", "delete"])] = None,
) -> dict[str, Any]:
    """`action=set` (the default): `status_id`, `budget_over`, `job_type_ids`, only those sent
    change; `action=delete` removes the rule. Managers and owners only."""
    chosen = body.action or action or "set"
    if chosen in ("delete", "remove"):
        return _remove_rule(call)
    if chosen != "set":
        raise Invalid.field("action", "must be set or delete")
    return _set_rule(call, body)


@router.post(
    variant(RULE_PATH, "set"),
    summary="Set the company's approval gate rule",
    operation_id="jobs_approval_gate_rule_set",
)
def set_rule(body: RuleFields, call: Writer) -> dict[str, Any]:
    """`status_id`, `budget_over`, `job_type_ids`: only those sent change. Managers only."""
    return _set_rule(call, body)


@router.post(
    variant(RULE_PATH, "delete"),
    summary="Remove the company's approval gate rule",
    operation_id="jobs_approval_gate_rule_delete",
)
def remove_rule(call: Writer) -> dict[str, Any]:
    """No gate holds any job afterwards. Managers and owners only."""
    return _remove_rule(call)


def _remove_rule(call: Call) -> dict[str, Any]:
    approvals.change_rule(call.uow, call.principal, approvals.RuleChange({"status_id": None}))
    return _answer("Approval gate rule removed", None)


def _set_rule(call: Call, body: RuleFields) -> dict[str, Any]:
    change = body.change()
    if "status_id" in change.values and change.values["status_id"] is None:
        raise Invalid.field("status_id", "must be a status id (use action=delete to remove)")
    made = approvals.change_rule(call.uow, call.principal, change)
    return wire.ok("Approval gate rule saved", gate_wire.rule(made))


def _answer(message: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The success envelope whose `data` is null, not left out, when there is nothing."""
    return {**wire.ok(message), "data": data}
