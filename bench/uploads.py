"""Upload acknowledge latency and throughput: multipart photo upload vs a bare streaming PUT.

Both run on the same server process (uvicorn + httptools + uvloop, FastAPI), measured in the
same run, interleaved so drift hits both alike. Also: how much a 20 MB upload raises the
server's RSS (it should stream, not buffer).
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
from pathlib import Path

import httpx
from PIL import Image

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


def _start(env: dict[str, str], port: int, workdir: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "bench.upload_server:create", "--factory"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(command, env=env, cwd=Path(__file__).parent.parent)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("bench server did not start")


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


def run(rounds: int, workdir: Path) -> list[str]:
    """Measure and return the report's lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = _env(workdir, port)
    for stale in workdir.glob("bench.db*"):
        stale.unlink()
    key, job = _prepare(env)
    proc = _start(env, port, workdir)
    photo = _payload(PHOTO_BYTES)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            # Encoded once, as a phone streams a prepared body: the client's own multipart
            # encoding (about 3 ms of Python per 5 MB) is not the server's cost.
            prepared = client.build_request(
                "POST", f"/api/v1/jobs/{job}/photos", headers=headers,
                data={"photo_type": "before"}, files={"photos": ("photo.jpg", photo, "image/jpeg")},
            )  # fmt: skip
            body = b"".join(prepared.stream)  # type: ignore[union-attr]

            def multipart() -> httpx.Response:
                return client.post(prepared.url, headers=prepared.headers, content=body)

            receive_only = client.build_request(
                "POST", "/bench/receive", files={"photos": ("photo.jpg", photo, "image/jpeg")}
            )
            receive_body = b"".join(receive_only.stream)  # type: ignore[union-attr]

            def receive() -> httpx.Response:
                return client.post(
                    receive_only.url, headers=receive_only.headers, content=receive_body
                )

            def raw_put() -> httpx.Response:
                return client.put("/bench/raw", content=photo)

            for _ in range(5):
                multipart(), receive(), raw_put()
            samples = max(20, rounds * 20)
            ours, received, raw = [], [], []
            for _ in range(samples):
                ours.append(_timed(multipart))
                received.append(_timed(receive))
                raw.append(_timed(raw_put))
            baseline_rss = _rss_kb(proc.pid, "VmRSS")
            big = _payload(BIG_BYTES)
            response = client.post(
                f"/api/v1/jobs/{job}/photos", headers=headers, data={"photo_type": "after"},
                files={"photos": ("big.jpg", big, "image/jpeg")},
            )  # fmt: skip
            assert response.status_code == 200, response.text
            peak_rss = _rss_kb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(10)
    return _report(ours, received, raw, baseline_rss, peak_rss)


def _report(
    ours: list[float], received: list[float], raw: list[float], baseline_kb: int, peak_kb: int
) -> list[str]:
    mb = PHOTO_BYTES / 1e6
    ours_mbs, raw_mbs = mb / statistics.median(ours), mb / statistics.median(raw)
    p50 = (_percentile(ours, 0.5), _percentile(raw, 0.5))
    p99 = (_percentile(ours, 0.99), _percentile(raw, 0.99))
    grew_mb = max(0, peak_kb - baseline_kb) / 1024
    throughput_ratio, p99_ratio = ours_mbs / raw_mbs, p99[0] / p99[1]
    receive_ratio = statistics.median(raw) / statistics.median(received)
    return [
        f"Uploads of a {mb:.1f} MB photo, {len(ours)} each, interleaved, one client:",
        f"  {'path':<34} {'p50 ms':>8} {'p99 ms':>8} {'MB/s':>8}",
        f"  {'multipart POST (CRM upload)':<34} {p50[0] * 1e3:8.1f} {p99[0] * 1e3:8.1f} "
        f"{ours_mbs:8.0f}",
        f"  {'multipart receive only (no core)':<34} {_percentile(received, 0.5) * 1e3:8.1f} "
        f"{_percentile(received, 0.99) * 1e3:8.1f} {mb / statistics.median(received):8.0f}",
        f"  {'bare streaming PUT + fsync':<34} {p50[1] * 1e3:8.1f} {p99[1] * 1e3:8.1f} "
        f"{raw_mbs:8.0f}",
        f"  receive path alone: {receive_ratio:.2f}x of the bare PUT's throughput",
        f"  throughput ratio {throughput_ratio:.2f}x (target >= 0.85x): "
        f"{'met' if throughput_ratio >= 0.85 else 'missed'}",
        f"  p99 ratio {p99_ratio:.2f}x (target <= 1.5x): {'met' if p99_ratio <= 1.5 else 'missed'}",
        f"  a 20 MB upload raised the server's peak RSS by {grew_mb:.1f} MB "
        f"(target < 10 MB): {'met' if grew_mb < 10 else 'missed'}",
    ]


def main() -> None:
    """Run on its own: python -m bench.uploads."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    print("\n".join(run(args.rounds, args.workdir / "uploads")))


if __name__ == "__main__":
    main()
