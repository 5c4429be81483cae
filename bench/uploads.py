"""Upload acknowledge latency and throughput: multipart photo upload vs a bare streaming PUT.

Under each server (uvicorn + httptools + uvloop, and granian), both paths run on the same
server process in the same run; the servers run side by side and every sample takes its turn
on each, so drift hits all alike. Also: how much a 20 MB upload raises the app process's
RSS (it should stream, not buffer).
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image

from bench import summary
from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.users import service as users
from jobshots.db.migrate import upgrade

PHOTO_BYTES = 5 * 1024 * 1024
BIG_BYTES = 20 * 1024 * 1024


def _payload(size: int) -> bytes:
    """A real JPEG head followed by incompressible bytes, `size` long."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    head = buffer.getvalue()
    return head + os.urandom(size - len(head))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(workdir: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "JOBSHOTS_DEV": "0",
        "JOBSHOTS_SECRET_KEY": secrets.token_hex(16),
        "JOBSHOTS_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "JOBSHOTS_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "JOBSHOTS_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "JOBSHOTS_STORAGE_URL": f"file://{workdir / 'media'}",
        "JOBSHOTS_BASE_URL": f"http://127.0.0.1:{port}",
        "JOBSHOTS_MAX_UPLOAD_BYTES": str(BIG_BYTES + 1024 * 1024),
    }


def _migrated_context(env: dict[str, str]) -> Context:
    """The bench server's database, migrated, and a context over it with the same settings."""
    settings = Settings(
        dev=False,
        secret_key=env["JOBSHOTS_SECRET_KEY"],
        encryption_key=env["JOBSHOTS_ENCRYPTION_KEY"],
        signing_key=env["JOBSHOTS_SIGNING_KEY"],
        database_url=env["JOBSHOTS_DATABASE_URL"],
        storage_url=env["JOBSHOTS_STORAGE_URL"],
    )
    upgrade(settings.database_url)
    return build_context(settings)


def _prepare(env: dict[str, str]) -> tuple[str, str]:
    """A company, its key, and a job, made through the core before the server starts."""
    ctx = _migrated_context(env)
    with ctx.uow() as uow:
        made = companies.create(uow, "Bench Ltd", "bench@example.com")
        job = jobs.create(uow, users.acting_as(made.owner), "Bench job")
    ctx.close()
    return made.api_key, str(job.uuid)


# The bench app under each server, one worker each: `{port}` is filled in.
SERVERS = {
    "uvicorn": [
        "-m", "uvicorn", "bench.upload_server:create", "--factory", "--port", "{port}",
        "--log-level", "warning", "--no-access-log",
    ],
    "granian": [
        "-m", "granian", "--interface", "asgi", "--factory", "--port", "{port}",
        "--log-level", "warning", "--no-ws", "bench.upload_server:create",
    ],
}  # fmt: skip
PATHS = {
    "crm": "CRM upload (multipart POST)",
    "receive": "multipart receive only",
    "raw": "bare streaming PUT + fsync",
}
THROUGHPUT_TARGET = 0.8
P99_TARGET = 1.5
RSS_TARGET_MB = 10


def _start(
    env: dict[str, str], port: int, workdir: Path, server: str = "uvicorn"
) -> subprocess.Popen[bytes]:
    """The bench app under `server`, answering on `port` (`workdir` is the env's already)."""
    command = [sys.executable, *(arg.format(port=port) for arg in SERVERS[server])]
    proc = subprocess.Popen(command, env=env, cwd=Path(__file__).parent.parent)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"bench server ({server}) did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(10)


def _serving_pid(pid: int) -> int:
    """The process that runs the app: granian's worker is a child of the one started."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


def _cpu_ns(pid: int) -> int:
    """CPU time spent so far by every thread of `pid`, in nanoseconds (exact, not in ticks)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except FileNotFoundError:
            continue  # a worker thread that ended meanwhile
    return total


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found")


def _timed(send: object) -> float:
    started = time.perf_counter()
    response = send()  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    return elapsed


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _body(request: httpx.Request) -> bytes:
    return b"".join(request.stream)  # type: ignore[arg-type]


@dataclass
class Served:
    """One server under test: its process, its client, the prepared bodies, the samples."""

    name: str
    proc: subprocess.Popen[bytes]
    client: httpx.Client
    job: str
    headers: dict[str, str]
    sends: dict[str, Callable[[], httpx.Response]] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PATHS})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PATHS})
    grew_mb: float = 0.0

    def measure(self, path: str) -> None:
        """One timed request, with the server CPU it cost (robust on a busy machine)."""
        pid = _serving_pid(self.proc.pid)
        before = _cpu_ns(pid)
        self.samples[path].append(_timed(self.sends[path]))
        self.cpu[path].append((_cpu_ns(pid) - before) / 1e9)

    def prepare(self, photo: bytes) -> None:
        """Encode each request once, as a phone streams a prepared body: the client's own
        multipart encoding (about 3 ms of Python per 5 MB) is not the server's cost."""
        photos = {"photos": ("photo.jpg", photo, "image/jpeg")}
        url = f"/api/v1/jobs/{self.job}/photos"
        crm = self.client.build_request(
            "POST", url, headers=self.headers, data={"photo_type": "before"}, files=photos
        )
        receive = self.client.build_request("POST", "/bench/receive", files=photos)
        crm_body, receive_body = _body(crm), _body(receive)
        self.sends = {
            "crm": lambda: self.client.post(crm.url, headers=crm.headers, content=crm_body),
            "receive": lambda: self.client.post(
                receive.url, headers=receive.headers, content=receive_body
            ),
            "raw": lambda: self.client.put("/bench/raw", content=photo),
        }

    def big_upload_growth(self) -> float:
        """How far a 20 MB upload raises the app process's peak RSS, in MB."""
        pid = _serving_pid(self.proc.pid)
        baseline = _rss_kb(pid, "VmRSS")
        response = self.client.post(
            f"/api/v1/jobs/{self.job}/photos", headers=self.headers,
            data={"photo_type": "after"},
            files={"photos": ("big.jpg", _payload(BIG_BYTES), "image/jpeg")},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return max(0, _rss_kb(pid, "VmHWM") - baseline) / 1024


def _serve(name: str, workdir: Path, photo: bytes, stack: ExitStack) -> Served:
    """Start `name` over a fresh database of its own, its requests prepared."""
    home = workdir / name
    home.mkdir(parents=True, exist_ok=True)
    for stale in home.glob("bench.db*"):
        stale.unlink()
    port = _free_port()
    env = _env(home, port)
    key, job = _prepare(env)
    proc = _start(env, port, home, name)
    stack.callback(_stop, proc)
    client = stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60))
    served = Served(name, proc, client, job, {"Authorization": f"Bearer {key}"})
    served.prepare(photo)
    return served


def run(rounds: int, workdir: Path, servers: tuple[str, ...] = tuple(SERVERS)) -> list[str]:
    """Measure and return the report's lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    photo = _payload(PHOTO_BYTES)
    with ExitStack() as stack:
        served = [_serve(name, workdir, photo, stack) for name in servers]
        for _ in range(5):
            for one in served:
                for send in one.sends.values():
                    send()
        for _ in range(max(20, rounds * 20)):
            for one in served:
                for path in PATHS:
                    one.measure(path)
        for one in served:
            one.grew_mb = one.big_upload_growth()
    return _report(served)


def _mbs(samples: list[float]) -> float:
    return PHOTO_BYTES / 1e6 / statistics.median(samples)


def _report(served: list[Served]) -> list[str]:
    count = len(served[0].samples["crm"])
    lines = [
        f"Uploads of a {PHOTO_BYTES / 1e6:.1f} MB photo, {count} of each per server, "
        "interleaved, one client:",
        f"  {'server':<8} {'path':<30} {'p50 ms':>8} {'p99 ms':>8} {'MB/s':>6} {'CPU ms':>7}",
    ]
    for one in served:
        for path, described in PATHS.items():
            took = one.samples[path]
            lines.append(
                f"  {one.name:<8} {described:<30} {_percentile(took, 0.5) * 1e3:8.1f} "
                f"{_percentile(took, 0.99) * 1e3:8.1f} {_mbs(took):6.0f} "
                f"{statistics.median(one.cpu[path]) * 1e3:7.1f}"
            )
    lines += ["", f"  {'figure (ratio to its baseline, same run)':<54} {'ratio':>6}  target"]

    def row(figure: str, ratio: float, target: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("  met" if met else "  missed")
        lines.append(f"  {figure:<54} {ratio:5.2f}x  {target}{verdict}")

    for one in served:
        crm, receive, raw = (one.samples[path] for path in PATHS)
        throughput = _mbs(crm) / _mbs(raw)
        p99 = _percentile(crm, 0.99) / _percentile(raw, 0.99)
        row(f"{one.name}: CRM upload throughput / bare PUT", throughput,
            f">= {THROUGHPUT_TARGET}x", throughput >= THROUGHPUT_TARGET)  # fmt: skip
        row(f"{one.name}: CRM upload p99 / bare PUT", p99, f"<= {P99_TARGET}x", p99 <= P99_TARGET)
        baseline = f"bare streaming PUT with fsync, {one.name}"
        summary.record(
            "uploads", f"{one.name}: 5 MB CRM upload throughput", f"{throughput:.2f}x",
            baseline, f">= {THROUGHPUT_TARGET}x", throughput >= THROUGHPUT_TARGET,
        )  # fmt: skip
        summary.record(
            "uploads", f"{one.name}: 5 MB CRM upload p99", f"{p99:.2f}x",
            baseline, f"<= {P99_TARGET}x", p99 <= P99_TARGET,
        )  # fmt: skip
        row(f"{one.name}: receive-only throughput / bare PUT", _mbs(receive) / _mbs(raw))
        cpu = statistics.median(one.cpu["crm"]) / statistics.median(one.cpu["raw"])
        row(f"{one.name}: CRM upload server CPU / bare PUT's", cpu)
    first, *others = served
    for other in others:
        for path in ("raw", "crm"):
            ratio = _mbs(other.samples[path]) / _mbs(first.samples[path])
            row(f"{other.name} / {first.name}: {PATHS[path]} MB/s", ratio, "> 1x", ratio > 1)
    for one in served:
        met = "met" if one.grew_mb < RSS_TARGET_MB else "missed"
        lines.append(
            f"  {one.name}: a 20 MB upload raised the app's peak RSS by {one.grew_mb:.1f} MB "
            f"(target < {RSS_TARGET_MB} MB): {met}"
        )
    return lines


def main() -> None:
    """Run on its own: python -m bench.uploads."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    parser.add_argument("--server", choices=tuple(SERVERS), action="append", help="default: all")
    args = parser.parse_args()
    servers = tuple(args.server or SERVERS)
    print("\n".join(run(args.rounds, args.workdir / "uploads", servers)))


if __name__ == "__main__":
    main()
