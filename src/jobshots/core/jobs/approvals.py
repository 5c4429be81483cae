"""Approval gates, managed: a company's rule, set by its managers or by an operator, and a
manager's decision at a job's gate."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobshots.core import audit, permissions
from jobshots.core.errors import Invalid
from jobshots.core.ids import storable
from jobshots.core.jobs import gates
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.changes import MONEY_MAX, PENNY
from jobshots.core.jobs.views import GateView, Named, RuleView
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import ApprovalDecision, ApprovalRule, JobStatus, JobType
from jobshots.db.types import utcnow

NOTES_MAX = 2_000
RULE_FIELDS = frozenset({"status_id", "budget_over", "job_type_ids"})


@dataclass(frozen=True)
class RuleChange:
    """What to change of a company's approval rule: only the fields given change, and a
    `status_id` of None removes the rule."""

    values: dict[str, Any]


def rule(uow: UnitOfWork, principal: Principal) -> RuleView | None:
    """The caller's company's approval rule, or None."""
    principal.require(permissions.APPROVAL_RULE)
    return _rule_view(uow.session, gates.rule_of(uow.session, principal.company_id))


def change_rule(uow: UnitOfWork, principal: Principal, change: RuleChange) -> RuleView | None:
    """Set (or remove) the caller's company's approval rule."""
    principal.require(permissions.APPROVAL_RULE)
    return set_rule(uow, principal.company_id, change, principal)


def set_rule(
    uow: UnitOfWork, company_id: int, change: RuleChange, actor: Principal | None
) -> RuleView | None:
    """Set (or remove) a company's approval rule, as a manager or, with no actor, an operator;
    the rule afterwards, or None when there is none."""
    unknown = change.values.keys() - RULE_FIELDS
    if unknown:
        raise ValueError(f"not rule fields: {sorted(unknown)}")
    session = uow.session
    found = gates.rule_of(session, company_id)
    before = _summary(_rule_view(session, found))
    if "status_id" in change.values and change.values["status_id"] is None:
        if found is not None:
            session.delete(found)
            session.flush()
            _audit(uow, actor, company_id, "approval_rule.removed", before, None)
        return None
    if found is None and "status_id" not in change.values:
        needed = "a new approval gate needs the status it guards"
        raise Invalid(needed, {"status_id": [f"is required: {needed}"]})
    target = found or ApprovalRule(company_id=company_id, type_ids=[])
    errors: dict[str, list[str]] = {}
    for name, value in change.values.items():
        try:
            attribute, parse = _PARSE[name]
            setattr(target, attribute, parse(session, company_id, value))
        except Invalid as exc:
            errors[name] = exc.fields.get(name, [exc.message])
    if errors:
        summary = "; ".join(f"{name} {' '.join(msgs)}" for name, msgs in errors.items())
        raise Invalid("approval rule is invalid: " + summary, errors)
    session.add(target)
    session.flush()
    after = _rule_view(session, target)
    _audit(uow, actor, company_id, "approval_rule.changed", before, _summary(after))
    return after


def named_change(
    uow: UnitOfWork, company_id: int, status: str | None, budget: str | None, types: str | None
) -> RuleChange:
    """A rule change as an operator writes it: a status name (empty removes the rule), an
    amount (empty drops that condition), job type names by commas (empty drops them)."""
    values: dict[str, Any] = {}
    if status is not None:
        values["status_id"] = _status_named(uow.session, company_id, status) if status else None
    if budget is not None:
        values["budget_over"] = budget.strip() or None
    if types is not None:
        names = [name.strip() for name in types.split(",") if name.strip()]
        values["job_type_ids"] = [_type_named(uow.session, company_id, name) for name in names]
    return RuleChange(values)


def decide(
    uow: UnitOfWork, principal: Principal, ref: jobs.JobRef, decision: str, notes: str | None
) -> GateView:
    """A manager approves or rejects a held job at its gate; the latest decision stands."""
    principal.require(permissions.JOBS_MANAGE)
    principal.require(permissions.APPROVAL_GATE)
    job = jobs.get(uow, principal, ref)
    if decision not in gates.DECISIONS:
        raise Invalid.field("decision", "must be approve or reject")
    text = (notes or "").strip()
    if len(text) > NOTES_MAX:
        raise Invalid.field("notes", f"must be at most {NOTES_MAX} characters")
    before = gates.of_job(uow.session, job)
    if before is None:
        raise Invalid.field("job_uuid", "names a job no approval gate holds")
    uow.session.add(
        ApprovalDecision(
            company_id=job.company_id, job_id=job.id, decision=decision, notes=text,
            decided_by_id=principal.user_id, decided_at=utcnow(),
        )
    )  # fmt: skip
    after = gates.of_job(uow.session, job)
    assert after is not None
    audit.record(
        uow, principal, f"approval_gate.{after.state}", "job", job.uuid, job_id=job.id,
        data={"field": "approval_gate", "before": before.state, "after": after.state,
              "gate_status_id": after.status.id, "notes": text},
    )  # fmt: skip
    return after


def gate(uow: UnitOfWork, principal: Principal, ref: jobs.JobRef) -> GateView | None:
    """One of the caller's jobs' gate, or None when no gate holds it."""
    principal.require(permissions.JOBS_LIST)
    return gates.of_job(uow.session, jobs.get(uow, principal, ref))


def _rule_view(session: Session, found: ApprovalRule | None) -> RuleView | None:
    if found is None:
        return None
    status = session.get_one(JobStatus, found.status_id)
    types = session.scalars(
        select(JobType).where(JobType.id.in_(found.type_ids)).order_by(JobType.sort_order)
    )
    return RuleView(
        status=Named(status.id, status.name),
        stage=status.stage,
        budget_over=found.budget_over,
        job_types=[Named(item.id, item.name) for item in types],
        updated_at=found.updated_at,
    )


def _summary(view: RuleView | None) -> dict[str, Any] | None:
    """The rule as its audit trail keeps it."""
    if view is None:
        return None
    return {
        "status_id": view.status.id,
        "budget_over": str(view.budget_over) if view.budget_over is not None else None,
        "type_ids": [item.id for item in view.job_types],
    }


def _audit(
    uow: UnitOfWork,
    actor: Principal | None,
    company_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        uow, actor, action, "approval_rule", company_id=company_id,
        data={"before": before, "after": after},
    )  # fmt: skip


def _id(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid.field(name, "must be a whole number")
    return value


def _status(session: Session, company_id: int, value: Any) -> int:
    status_id = _id("status_id", value)
    if not storable(status_id) or not session.scalar(
        select(JobStatus.id).where(JobStatus.id == status_id, JobStatus.company_id == company_id)
    ):
        raise Invalid.field("status_id", "does not exist")
    return status_id


def _budget(session: Session, company_id: int, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid.field("budget_over", "must be an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise Invalid.field("budget_over", "must be an amount") from exc
    if not amount.is_finite() or not Decimal(0) <= amount <= MONEY_MAX:
        raise Invalid.field("budget_over", f"must be an amount between 0 and {MONEY_MAX}")
    if amount != amount.quantize(PENNY):
        raise Invalid.field("budget_over", "must be to the penny (two decimal places at most)")
    return amount.quantize(PENNY)


def _types(session: Session, company_id: int, value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid.field("job_type_ids", "must be a list of job type ids")
    wanted = sorted({_id("job_type_ids", item) for item in value})
    known = set(
        session.scalars(
            select(JobType.id).where(
                JobType.company_id == company_id,
                JobType.id.in_([item for item in wanted if storable(item)]),
            )
        )
    )
    if set(wanted) - known:
        raise Invalid.field("job_type_ids", "names a job type that does not exist")
    return wanted


# Each field of a rule change: the rule's attribute it sets, and its check.
_PARSE = {
    "status_id": ("status_id", _status),
    "budget_over": ("budget_over", _budget),
    "job_type_ids": ("type_ids", _types),
}


def _status_named(session: Session, company_id: int, name: str) -> int:
    found = session.scalar(
        select(JobStatus.id).where(
            JobStatus.company_id == company_id,
            (func.lower(JobStatus.name) == name.strip().lower())
            | (JobStatus.code == name.strip().lower()),
        )
    )
    if found is None:
        names = _names(session, JobStatus, company_id)
        raise Invalid.field("status", f"{name!r} is not one of the company's statuses: {names}")
    return int(found)


def _type_named(session: Session, company_id: int, name: str) -> int:
    found = session.scalar(
        select(JobType.id).where(
            JobType.company_id == company_id, func.lower(JobType.name) == name.lower()
        )
    )
    if found is None:
        names = _names(session, JobType, company_id)
        raise Invalid.field("types", f"{name!r} is not one of the company's job types: {names}")
    return int(found)


def _names(session: Session, model: type[JobStatus] | type[JobType], company_id: int) -> str:
    query = select(model.name).where(model.company_id == company_id).order_by(model.sort_order)
    return ", ".join(session.scalars(query))
