"""A real Jobshots server process, started by the tests, and its CLI with the same settings."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core.context import Context
from tests.support.s3server import free_port


@dataclass
class ServerProcess:
    """`jobshots serve` in a subprocess; `cli()` runs `jobshots` with the same environment."""

    database_url: str
    storage_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    secret_key: str = field(default_factory=lambda: secrets.token_hex(16))
    proc: subprocess.Popen[bytes] | None = None
    _core: Context | None = None

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Production-mode settings with throwaway secrets."""
        env = dict(os.environ)
        env.update(
            JOBSHOTS_DEV="0",
            JOBSHOTS_SECRET_KEY=self.secret_key,
            JOBSHOTS_ENCRYPTION_KEY=base64.b64encode(b"k" * 32).decode(),
            JOBSHOTS_SIGNING_KEY=base64.b64encode(b"s" * 32).decode(),
            JOBSHOTS_DATABASE_URL=self.database_url,
            JOBSHOTS_STORAGE_URL=self.storage_url,
            JOBSHOTS_BASE_URL=self.base_url,
            # Limits stay on (every answer carries their headers) but far above what a test
            # sends from 127.0.0.1; tests/acceptance/test_rate_limits.py sets its own.
            **{
                "JOBSHOTS_RATE_LIMIT_PER_KEY": "1000000",
                "JOBSHOTS_RATE_LIMIT_PER_IP": "1000000",
                **self.extra_env,
            },
        )
        return env

    def start(self) -> ServerProcess:
        """Start serving and wait until /healthz answers 200."""
        log = (self.workdir / f"server-{self.port}.log").open("wb")
        self.proc = self.spawn("serve", "--port", str(self.port), log=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            # Refused at once until it listens: polling often costs little, and every test
            # module waits here at least once.
            time.sleep(0.02)
        raise RuntimeError(f"server did not become healthy: {self.log_text()}")

    def spawn(self, *args: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
        """Run `jobshots ARGS` in the background, in its own process group."""
        return subprocess.Popen(
            [sys.executable, "-m", "jobshots", *args],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def crash(self) -> None:
        """SIGKILL the server and every process it started, as a power cut would."""
        assert self.proc is not None
        kill_group(self.proc)

    @property
    def core(self) -> Context:
        """The core over the server's database and storage, with the server's settings: for
        setting up what a test needs in-process, instead of paying a CLI start for each."""
        if self._core is None:
            prefix = "JOBSHOTS_"
            named = {
                key[len(prefix) :].lower(): value
                for key, value in self.env.items()
                if key.startswith(prefix)
            }
            self._core = build_context(Settings(**named))
        return self._core

    def stop(self) -> None:
        """Terminate the server, then anything of its process group still running."""
        if self._core is not None:
            self._core.close()
            self._core = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        with contextlib.suppress(ProcessLookupError):
            kill_group(self.proc)

    def log_text(self) -> str:
        """What the server printed."""
        return (self.workdir / f"server-{self.port}.log").read_text(errors="replace")

    def cli(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `jobshots ARGS` against the same database and storage, `stdin` as its input."""
        result = subprocess.run(
            [sys.executable, "-m", "jobshots", *args],
            env=self.env,
            cwd=self.workdir,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"jobshots {' '.join(args)} failed: {result.stderr}")
        return result

    def cli_json(self, *args: str) -> dict[str, Any]:
        """Run a creating command with --json and parse what it printed."""
        out: dict[str, Any] = json.loads(self.cli(*args, "--json").stdout)
        return out


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process and its whole process group, and reap it."""
    os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)
