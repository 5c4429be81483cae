"""The `jobshots` command: serve, migrate, and administer companies, keys and jobs."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from jobshots.composition import build_context
from jobshots.config import Settings, get_settings
from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import CoreError
from jobshots.core.exports import zip as zip_export
from jobshots.core.jobs.views import RuleView
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.storage.base import StorageError

app = typer.Typer(help="Jobshots: job-site photo documentation server.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
company_app = typer.Typer(help="Companies (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
user_app = typer.Typer(help="People of a company.", no_args_is_help=True)
job_app = typer.Typer(help="Jobs.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(company_app, name="company")
app.add_typer(apikey_app, name="apikey")
app.add_typer(user_app, name="user")
app.add_typer(job_app, name="job")
report_app = typer.Typer(help="Public job report links.", no_args_is_help=True)
app.add_typer(report_app, name="report")
keys_app = typer.Typer(help="The server's keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
audit_app = typer.Typer(help="The tamper-evident history.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            typer.echo(f"configuration error: {error['msg']}", err=True)
        raise typer.Exit(2) from exc


def _context() -> Context:
    return build_context(_settings())


@contextmanager
def _unit_of_work() -> Iterator[UnitOfWork]:
    """A unit of work in a fresh context; a core error ends the command with its message."""
    ctx = _context()
    try:
        with ctx.uow() as uow:
            yield uow
    except CoreError as exc:
        raise _fail(exc) from exc
    finally:
        ctx.close()


def _emit(as_json: bool, data: dict[str, Any], text: str) -> None:
    typer.echo(json.dumps(data) if as_json else text)


def _fail(exc: CoreError) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    return typer.Exit(1)


def _log_to_stderr() -> None:
    """Jobshots' own messages (recovery, cleanup, each task's outcome) at INFO, beside uvicorn's."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    ours = logging.getLogger("jobshots")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)


SERVERS = ("uvicorn", "granian")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    server: Annotated[
        str,
        typer.Option(
            envvar="JOBSHOTS_SERVER",
            help="HTTP server: uvicorn or granian (see docs/performance.md).",
        ),
    ] = "uvicorn",
) -> None:
    """Serve every API, the web app and the file downloads."""
    if server not in SERVERS:
        typer.echo(f"error: --server must be one of {', '.join(SERVERS)}, not {server!r}")
        raise typer.Exit(2)
    settings = _settings()
    _log_to_stderr()
    typer.echo(
        f"Jobshots listening on http://{host}:{port} (public URL {settings.base_url}, {server})"
    )
    if server == "granian":
        _serve_granian(host, port)
    else:
        _serve_uvicorn(host, port)


def _serve_uvicorn(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(
        "jobshots.app:create_app",
        factory=True,
        host=host,
        port=port,
        # X-Forwarded-For is read by http/client_address.py, from JOBSHOTS_TRUSTED_PROXIES only.
        proxy_headers=False,
        log_level="info",
    )


def _serve_granian(host: str, port: int) -> None:
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    # Granian passes the peer address as it is; X-Forwarded-For is ours to read, as above.
    Server(
        "jobshots.app:create_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        log_level=LogLevels.info,
    ).serve()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs at once in this process.")] = 1,
) -> None:
    """Process photos and videos from the PostgreSQL job queue (run one per core, any machine)."""
    from jobshots.tasks.distributed import run_worker

    settings = _settings()
    if not settings.uses_postgresql:
        typer.echo("error: workers need PostgreSQL; with SQLite `jobshots serve` does the work")
        raise typer.Exit(2)
    ctx = build_context(settings)
    _log_to_stderr()
    typer.echo(f"Jobshots worker: {concurrency} job(s) at a time")
    try:
        run_worker(ctx, concurrency)
    finally:
        ctx.close()


@app.command()
def reprocess(
    job: Annotated[str | None, typer.Option(help="Only this job (UUID).")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company (id or UUID).")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every photo.")] = False,
) -> None:
    """Run processing again for a job, a company or everything, here and now."""
    from jobshots.core.photos import processing
    from jobshots.tasks.decoding import decoding_pool

    if [job is not None, company is not None, everything].count(True) != 1:
        typer.echo("error: give exactly one of --job, --company or --all", err=True)
        raise typer.Exit(2)
    ctx = _context()
    # Decoded under the same limits as the workers', in a process of its own.
    decoders = decoding_pool(ctx.settings, 1)
    try:
        ids = processing.photos_to_reprocess(ctx, job_uuid=job, company_ref=company)
        outcomes: dict[str, int] = {}
        with typer.progressbar(ids, label="Reprocessing", show_pos=True) as progress:
            for photo_id in progress:
                state = processing.reprocess(ctx, photo_id, decoders)
                outcomes[state] = outcomes.get(state, 0) + 1
    except CoreError as exc:
        raise _fail(exc) from exc
    finally:
        decoders.close()
        ctx.close()
    summary = ", ".join(f"{count} {state}" for state, count in sorted(outcomes.items()))
    typer.echo(f"{len(ids)} photo(s): {summary or 'nothing to do'}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from jobshots.composition import upgrade_database

    upgrade_database(_settings().database_url)
    typer.echo("database is up to date")


@app.command("bench-data")
def bench_data(
    photos: Annotated[int, typer.Option(help="Photos in all.")] = 10_000,
    jobs: Annotated[int, typer.Option(help="Jobs in all.")] = 1_000,
    companies: Annotated[int, typer.Option(help="Companies; the first holds about a third.")] = 50,
    seed: Annotated[int, typer.Option(help="The same seed makes the same rows.")] = 1,
    sla_open_jobs: Annotated[
        int | None, typer.Option(help="Open jobs of the first company (default: jobs / 10).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON (API keys included) here.")
    ] = None,
) -> None:
    """Fill an empty, migrated PostgreSQL database at scale (COPY) for `make bench-scale`;
    print (or write) each company's API key and password and the rows the bench asks for."""
    from jobshots.benchdata.fill import fill
    from jobshots.benchdata.plan import BenchDataRefused, Plan

    wanted = Plan(photos, jobs, companies, seed, sla_open_jobs)
    ctx = _context()
    try:
        made = fill(ctx, wanted, progress=lambda line: typer.echo(line, err=True))
    except BenchDataRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        ctx.close()
    report = json.dumps(dataclasses.asdict(made), indent=2)
    if out is None:
        typer.echo(report)
        return
    out.write_text(report)
    counts = ", ".join(f"{n} {table}" for table, n in made.counts.items())
    typer.echo(f"{counts} in {made.seconds:.0f} s; keys and probes in {out}")


@app.command()
def demo() -> None:
    """Create the demo company with sample jobs and photos if the database is empty."""
    from jobshots.demo import ensure_demo

    ctx = _context()
    try:
        result = ensure_demo(ctx)
    finally:
        ctx.close()
    if result.api_key is None:
        typer.echo("The database already holds companies; the demo is only made in an empty one.")
        return
    state = "created" if result.created else "already present"
    typer.echo(f"Demo company {result.company_name!r} {state}.")
    typer.echo(f"  Open:    {ctx.settings.base_url}/docs")
    typer.echo(f"  API key: {result.api_key}")
    typer.echo(
        f"  Sign in: {result.email} / {result.password}  "
        f"(web app: {ctx.settings.base_url}/login; API: POST /api/auth/login)"
    )
    typer.echo(f"  Workspace (workspaceId): {result.workspace}")
    typer.echo(
        f"  Try:     curl -H 'Authorization: Bearer {result.api_key}' "
        f"{ctx.settings.base_url}/api/v1/jobs/{result.job_uuid}/photos"
    )


@company_app.command("create")
def company_create(
    name: str,
    owner_email: Annotated[str, typer.Option("--owner-email", help="The owner's e-mail.")],
    owner_name: Annotated[str, typer.Option("--owner-name")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create a company and its owner; print the owner's API key once."""
    with _unit_of_work() as uow:
        made = companies.create(uow, name, owner_email, owner_name)
    data = {
        "company_id": made.company.id,
        "company_uuid": str(made.company.uuid),
        "owner_id": made.owner.id,
        "api_key": made.api_key,
    }
    _emit(as_json, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


@company_app.command("update")
def company_update(
    company: str,
    addons: Annotated[str | None, typer.Option(help="Comma-separated add-ons to enable.")] = None,
    max_upload_bytes: Annotated[int | None, typer.Option()] = None,
    storage_quota_bytes: Annotated[int | None, typer.Option()] = None,
    monthly_upload_quota: Annotated[int | None, typer.Option()] = None,
    vat_rate: Annotated[str | None, typer.Option(help="Percent, e.g. 20")] = None,
    approval_gate_status: Annotated[
        str | None,
        typer.Option(help='The status held jobs may not reach unapproved; "" removes the gate.'),
    ] = None,
    approval_gate_budget: Annotated[
        str | None,
        typer.Option(help='Hold only jobs whose client budget is above this; "" drops it.'),
    ] = None,
    approval_gate_types: Annotated[
        str | None,
        typer.Option(help='Hold only jobs of these types (names, by commas); "" drops it.'),
    ] = None,
) -> None:
    """Change a company's plan (add-ons, upload limit, quotas, VAT rate) and its approval gate.

    A gate holds the jobs matching every condition set (a type, a budget above); with neither,
    it holds every job.
    """
    from jobshots.core.jobs import approvals

    try:
        rate = Decimal(vat_rate) if vat_rate is not None else None
    except InvalidOperation as exc:
        typer.echo("error: --vat-rate must be a number", err=True)
        raise typer.Exit(2) from exc
    change = companies.PlanChange(
        addons=[a for a in addons.split(",") if a] if addons is not None else None,
        max_upload_bytes=max_upload_bytes,
        storage_quota_bytes=storage_quota_bytes,
        monthly_upload_quota=monthly_upload_quota,
        vat_rate=rate,
    )
    gate = (approval_gate_status, approval_gate_budget, approval_gate_types)
    gated = gate != (None, None, None)
    rule: RuleView | None = None
    with _unit_of_work() as uow:
        found = companies.get(uow, company)
        if any(value is not None for value in vars(change).values()) or not gated:
            companies.update_plan(uow, found, change)
        if gated:
            named = approvals.named_change(uow, found.id, *gate)
            rule = approvals.set_rule(uow, found.id, named, None)
    if gated:
        typer.echo(_gate_summary(rule))
    typer.echo("company updated")


def _gate_summary(rule: RuleView | None) -> str:
    """The company's approval gate in one line."""
    if rule is None:
        return "approval gate: none"
    held = [f"of type {', '.join(item.name for item in rule.job_types)}"] if rule.job_types else []
    if rule.budget_over is not None:
        held.append(f"with a client budget over {rule.budget_over}")
    return (
        f"approval gate: at '{rule.status.name}' for jobs {' and '.join(held) or 'of every kind'}"
    )


@user_app.command("create")
def user_create(
    company: Annotated[str, typer.Option("--company", help="Company id or UUID.")],
    email: Annotated[str, typer.Option("--email")],
    role: Annotated[str, typer.Option("--role", help="owner, manager, staff, ...")] = "staff",
    name: Annotated[str, typer.Option("--name")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a sign-in password from stdin.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Add a person to a company (then give them a key with `apikey create`)."""
    first, _, last = name.strip().partition(" ")
    password = _password_from_stdin() if password_stdin else None
    with _unit_of_work() as uow:
        owner = companies.get(uow, company)
        user = users.create(uow, owner, email, role=role, first_name=first, last_name=last)
        if password is not None:
            users.set_password(uow, user, password)
    data = {"user_id": user.id, "user_uuid": str(user.uuid), "email": user.email}
    _emit(as_json, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


@user_app.command("set-password")
def user_set_password(
    email: Annotated[str, typer.Option("--email")],
    company: Annotated[
        str | None, typer.Option("--company", help="Company id or UUID, when needed.")
    ] = None,
) -> None:
    """Set a person's sign-in password, read from standard input (never an argument)."""
    password = _password_from_stdin()
    with _unit_of_work() as uow:
        users.set_password(uow, users.only_by_email(uow, email, company), password)
    typer.echo(f"password set for {email.strip().lower()}")


def _password_from_stdin() -> str:
    """The first line of standard input, without its line ending."""
    line = sys.stdin.readline()
    if not line.strip():
        typer.echo("error: give the password on standard input", err=True)
        raise typer.Exit(2)
    return line.rstrip("\r\n")


@apikey_app.command("create")
def apikey_create(
    company: Annotated[str, typer.Option("--company", help="Company id or UUID.")],
    email: Annotated[str, typer.Option("--email", help="The key's user.")],
    name: Annotated[str, typer.Option("--name")] = "",
    allow_ip: Annotated[list[str] | None, typer.Option("--allow-ip", help="CIDR range")] = None,
    permission: Annotated[
        list[str] | None, typer.Option("--permission", help="Narrow the key to these")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Issue an API key for a user; the key is printed once and never again."""
    with _unit_of_work() as uow:
        owner = companies.get(uow, company)
        user = users.require_by_email(uow, owner.id, email)
        issued = apikeys.issue(
            uow, user, name=name, allowed_ips=allow_ip, key_permissions=permission
        )
    _emit(as_json, {"api_key": issued.secret, "prefix": issued.prefix}, issued.secret)


@apikey_app.command("revoke")
def apikey_revoke(prefix: str) -> None:
    """Revoke a key by its prefix (the 12 characters after `jsk_`)."""
    with _unit_of_work() as uow:
        apikeys.revoke(uow, prefix)
    typer.echo(f"revoked {prefix}")


@job_app.command("create")
def job_create(
    title: str,
    company: Annotated[str, typer.Option("--company", help="Company id or UUID.")],
    as_json: JsonFlag = False,
) -> None:
    """Open a job in a company, as its owner."""
    from jobshots.core.jobs import service as jobs

    with _unit_of_work() as uow:
        owner_company = companies.get(uow, company)
        principal = users.acting_as(users.owner_of(uow, owner_company.id))
        job = jobs.create(uow, principal, title)
    data = {"job_id": job.id, "job_uuid": str(job.uuid), "reference": job.reference}
    _emit(as_json, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


JobUuid = Annotated[str, typer.Argument(metavar="JOB_UUID", help="The job's UUID.")]


@report_app.command("revoke")
def report_revoke(job: JobUuid) -> None:
    """Withdraw a job's public report link: it answers 404 from now on."""
    from jobshots.core.reports import service as reports

    with _unit_of_work() as uow:
        reports.revoke(uow, reports.acting_owner(uow, job), job)
    typer.echo(f"report link of job {job} revoked")


@report_app.command("reissue")
def report_reissue(job: JobUuid, as_json: JsonFlag = False) -> None:
    """Give a job a new public report link (the old one answers 404) and print it."""
    from jobshots.core.reports import service as reports

    with _unit_of_work() as uow:
        url = reports.reissue(uow, reports.acting_owner(uow, job), job)
    _emit(as_json, {"job_uuid": job, "report_url": url}, url)


@keys_app.command("reencrypt")
def keys_reencrypt() -> None:
    """Seal every encrypted field with JOBSHOTS_ENCRYPTION_KEY (after a rotation).

    Values sealed with a key in JOBSHOTS_PREVIOUS_ENCRYPTION_KEYS are opened and sealed again
    with the current key, in one transaction; afterwards the previous keys can be dropped.
    """
    from jobshots.db import sealed

    try:
        with _unit_of_work() as uow:
            total = sealed.count_sealed_rows(uow.session)
            resealing = sealed.reseal(uow.session)
            with typer.progressbar(resealing, length=total, label="Resealing") as rows:
                checked = sum(rows)
    except sealed.SealBroken as exc:
        typer.echo(f"error: {exc}; nothing was changed", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{checked} row(s) checked; every encrypted value is sealed with the current key")


@keys_app.command("public")
def keys_public() -> None:
    """Print the public key (base64 Ed25519) that verifies history heads and exports."""
    from jobshots.core.evidence import signing

    typer.echo(signing.signer(_settings().signing_key_bytes).public_key)


@audit_app.command("verify")
def audit_verify(
    company: Annotated[
        str | None, typer.Option("--company", help="One company, by id or UUID.")
    ] = None,
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Verify with this key (base64).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute each company's history chain; name the first event that does not match."""
    from jobshots.core.evidence import checks

    with _unit_of_work() as uow:
        verdicts = checks.verify_now(uow, company, public_key)
    for verdict in verdicts:
        _emit(as_json, dataclasses.asdict(verdict), verdict.describe())
    if not all(verdict.ok for verdict in verdicts):
        raise typer.Exit(1)


@app.command("verify")
def verify_export(
    file: Annotated[Path, typer.Argument(help="The exported ZIP.")],
    public_key: Annotated[
        str | None,
        typer.Option("--public-key", help="The server's key (`jobshots keys public`), base64."),
    ] = None,
) -> None:
    """Check an exported ZIP offline: each file's SHA-256, and the manifest's signatures."""
    from jobshots.core.exports import verify

    try:
        verdict = verify.verify(file, public_key)
    except (verify.NotAnExport, verify.BadKey) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for problem in verdict.problems:
        typer.echo(problem)
    for line in verdict.summary():
        typer.echo(line)
    if not verdict.ok:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `jobshots` script."""
    app()


mail_app = typer.Typer(help="Case-note e-mail.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")

# sysexits(3): what an MTA's pipe makes of the exit status (75 is tried again later).
EX_DATAERR, EX_NOUSER, EX_TEMPFAIL, EX_NOPERM = 65, 67, 75, 77


@mail_app.command("receive")
def mail_receive(
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient", help="The envelope recipient (Postfix: ${recipient}), looked at first."
        ),
    ] = None,
) -> None:
    """Thread a reply to a case note, read as a raw message from standard input.

    For an MTA's pipe (Postfix `pipe`, Exim `pipe` transport). Exit statuses (sysexits):

    0 threaded: prints the note's UUID (the earlier note's for a message delivered twice).

    65 EX_DATAERR: unreadable, too large, empty once quotes and signature are trimmed, or
    written by no person (auto-reply, bulk mail, bounce).

    67 EX_NOUSER: to no note of ours (no reply address, forged or expired, note deleted).

    77 EX_NOPERM: the sender is neither a user on the job nor its private contact.

    75 EX_TEMPFAIL: broken settings or database; the MTA tries again later.

    Only 0 stores anything; every refusal says why on stderr. Automatic mail is refused too:
    it comes from a null sender (RFC 3834), so the MTA's bounce of it goes nowhere.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from jobshots.core.mail import inbound, reading

    raw = sys.stdin.buffer.read(reading.MAX_MESSAGE_BYTES + 1)
    try:
        ctx = build_context(get_settings())
    except ValidationError as exc:
        typer.echo(f"error: configuration: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(EX_TEMPFAIL) from exc
    try:
        with ctx.uow() as uow:
            reply = inbound.receive(uow, raw, recipient or ())
    except CoreError as exc:
        typer.echo(f"refused: {exc.message}", err=True)
        raise typer.Exit(_refusal_status(exc)) from exc
    except SQLAlchemyError as exc:
        typer.echo(f"error: the database failed, try again later: {exc}", err=True)
        raise typer.Exit(EX_TEMPFAIL) from exc
    finally:
        ctx.close()
    if reply.already_threaded:
        typer.echo("already threaded: this message was received before", err=True)
    typer.echo(str(reply.note.uuid))


def _refusal_status(exc: CoreError) -> int:
    from jobshots.core.mail import refusals

    if isinstance(exc, refusals.UnknownAddressee):
        return EX_NOUSER
    if isinstance(exc, refusals.UnknownSender):
        return EX_NOPERM
    return EX_DATAERR


export_app = typer.Typer(help="A job exported whole, to a file.", no_args_is_help=True)
app.add_typer(export_app, name="export")

ExportJob = Annotated[str, typer.Option("--job", metavar="UUID", help="The job's UUID.")]
ExportOut = Annotated[Path, typer.Option("--out", metavar="FILE", help="The file to write.")]
ExportCompany = Annotated[
    str | None, typer.Option("--company", help="The job's company (id or UUID), as a check.")
]


def _export_owner(uow: UnitOfWork, job: str, company: str | None) -> Principal:
    """The owner of the job's company (or of `company`, which must then hold the job)."""
    from jobshots.core.reports import service as reports

    if company is None:
        return reports.acting_owner(uow, job)
    return users.acting_as(users.owner_of(uow, companies.get(uow, company).id))


def _write_download(download: zip_export.Download, out: Path) -> None:
    """Write a download to `out` with a progress bar; a failure leaves no partial file."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        with (
            partial.open("wb") as f,
            typer.progressbar(length=download.length, label=f"Writing {out.name}") as progress,
        ):
            for chunk in download.chunks:
                f.write(chunk)
                progress.update(len(chunk))
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@export_app.command("zip")
def export_zip(job: ExportJob, out: ExportOut, company: ExportCompany = None) -> None:
    """Write a job's photos (originals, byte for byte) and their manifests as a ZIP."""
    if not out.parent.is_dir():
        typer.echo(f"error: no such directory: {out.parent}", err=True)
        raise typer.Exit(2)
    ctx = _context()
    try:
        with ctx.uow() as uow:
            download = zip_export.job_zip(uow, _export_owner(uow, job, company), job)
        _write_download(download, out)
    except CoreError as exc:
        raise _fail(exc) from exc
    except (zip_export.OriginalChanged, StorageError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        ctx.close()
    typer.echo(f"{out} ({download.length} bytes, {download.length / 1e6:.1f} MB)")


@export_app.command("pdf")
def export_pdf(
    job: ExportJob,
    out: ExportOut,
    company: ExportCompany = None,
    locations: Annotated[
        bool, typer.Option("--locations", help="Show where each photo was taken.")
    ] = False,
) -> None:
    """Write a job's report as a PDF: cover, details, photos by type with captions."""
    # Imported here: reportlab is only loaded by the command that draws with it.
    from jobshots.core.exports import pdf as pdf_export

    if not out.parent.is_dir():
        typer.echo(f"error: no such directory: {out.parent}", err=True)
        raise typer.Exit(2)
    partial = out.with_name(f".{out.name}.partial")
    ctx = _context()
    try:
        with ctx.uow() as uow:
            owner = _export_owner(uow, job, company)
            export = pdf_export.job_pdf(uow, owner, job, include_locations=locations)
        photos = export.report.photo_count
        with (
            partial.open("wb") as f,
            typer.progressbar(length=photos, label=f"Drawing {out.name}") as progress,
        ):
            export.write(f, on_photo=lambda: progress.update(1))
        partial.replace(out)
    except CoreError as exc:
        raise _fail(exc) from exc
    except (StorageError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        partial.unlink(missing_ok=True)
        ctx.close()
    typer.echo(f"{out} ({photos} photos, {out.stat().st_size} bytes)")


BackupDir = Annotated[Path, typer.Argument(metavar="DIR", help="The backup's directory.")]


@app.command("backup")
def backup_command(directory: BackupDir) -> None:
    """Back up the database, then the media, into DIR (new or empty), with the server running."""
    from jobshots.backups import backup
    from jobshots.backups.errors import BackupFailed

    try:
        made = backup.take(_settings(), directory)
    except BackupFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    counts = ", ".join(f"{n} {table}" for table, n in made.counts.items())
    typer.echo(f"database: {made.database_kind} at revision {made.schema_revision} ({counts})")
    typer.echo(f"media: {len(made.media)} file(s), {made.media_bytes} bytes")
    for key in made.missing:
        typer.echo(f"warning: {key} has a row but was already gone from storage", err=True)
    typer.echo(f"backup written to {directory}")


@app.command("restore")
def restore_command(
    directory: BackupDir,
    force: Annotated[
        bool, typer.Option("--force", help="Write over a database or storage that holds data.")
    ] = False,
) -> None:
    """Check a backup's every file, then restore it into an empty database and storage."""
    from jobshots.backups import restore
    from jobshots.backups.errors import BackupCorrupt, RestoreRefused
    from jobshots.backups.manifest import BackupUnreadable

    try:
        done = restore.run(_settings(), directory, force=force)
    except BackupCorrupt as exc:
        for problem in exc.problems:
            typer.echo(f"corrupt: {problem}", err=True)
        typer.echo(f"error: {exc}; nothing was restored", err=True)
        raise typer.Exit(1) from exc
    except (BackupUnreadable, RestoreRefused) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for warning in done.warnings:
        typer.echo(f"warning: {warning}", err=True)
    counts = ", ".join(f"{n} {table}" for table, n in done.counts.items())
    typer.echo(f"restored the backup of {done.manifest.started_at}: {counts}")
    typer.echo(f"media: {len(done.manifest.media)} file(s), {done.manifest.media_bytes} bytes")
