"""Decoding in worker processes under a memory cap, a CPU-time limit and a wall-clock timeout."""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import queue
import resource
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from jobshots.media.pipeline import (
    DecodeJob,
    DecodeResult,
    UnprocessableMedia,
    configure_worker_process,
    examine,
)

# Imported once by the fork server so that each worker starts with them loaded; __main__
# too, or every worker would import the entry point (and the whole server) again.
PRELOAD = ["__main__", "jobshots.media.warm"]
# A worker is replaced after this many files, so what a long life leaves behind (a heap
# fragmented by large images) never counts against a later file's memory cap.
FILES_PER_WORKER = 200
_MB = 1024 * 1024
_NEAR_THE_CAP = 0.8
# Words the decoders use when an allocation fails (libvips, FFmpeg's ENOMEM, libheif, C++).
_OUT_OF_MEMORY = (
    "out of memory",
    "cannot allocate memory",
    "memory allocation",
    "bad_alloc",
    "failed to allocate",
)


@dataclass(frozen=True)
class DecodeLimits:
    """What decoding one file may use: memory (MB), CPU time and wall-clock time (s)."""

    memory_mb: int
    cpu_seconds: int
    timeout_seconds: float


class LimitExceeded(UnprocessableMedia):
    """The file made its decoding go past a limit; the message names the limit."""


class DecoderCrashed(UnprocessableMedia):
    """The decoding process died of a signal while reading the file."""


class DecodeError(Exception):
    """Decoding failed in a way that is not known to be the file's fault."""


Outcome = tuple[str, Any]


class DecodingPool:
    """Worker processes that each examine one file at a time (`pipeline.examine`) under the
    limits. A worker that goes past a limit, dies or hangs is killed and replaced: only its
    own file fails."""

    def __init__(self, workers: int, limits: DecodeLimits) -> None:
        self.limits = limits
        self._context = multiprocessing.get_context("forkserver")
        # Takes effect only if the fork server is not running yet (it starts on first use).
        self._context.set_forkserver_preload(PRELOAD)
        # One slot per worker: a slot holds at most one worker, busy or idle.
        self._slots = threading.BoundedSemaphore(workers)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = False

    def __call__(self, job: DecodeJob) -> DecodeResult:
        """Decode `job` in a worker; raise UnprocessableMedia when the file is at fault."""
        with self._slots:
            worker = self._idle_or_new()
            outcome = self._run(worker, job)
            if _may_be_inherited(outcome) and worker.files > 1:
                # A worker that decoded before may carry the blame of earlier files: the
                # file gets one more try in a fresh one, so a limit only names its own file.
                outcome = self._run(self._new(), job)
        if self._closed and outcome[0] in ("died", "timeout"):
            # Stopped with the runner: the file is not to blame, and is decoded again later.
            raise DecodeError("the decoding workers were stopped")
        return _result(outcome, self.limits)

    def close(self) -> None:
        """Stop every worker (a decode in progress fails)."""
        with self._lock:
            self._closed = True
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.stop()

    def _run(self, worker: _Worker, job: DecodeJob) -> Outcome:
        try:
            outcome = worker.decode(job, self.limits.timeout_seconds)
        except BaseException:
            self._discard(worker)
            raise
        if outcome[0] in ("decoded", "refused") and worker.files < FILES_PER_WORKER:
            self._idle.put(worker)
        else:
            self._discard(worker)
        return outcome

    def _idle_or_new(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return self._new()
            if worker.alive():
                return worker
            self._discard(worker)

    def _new(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise DecodeError("the decoding workers are stopped")
            worker = _Worker(self._context, self.limits)
            self._workers.add(worker)
            return worker

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._workers.discard(worker)


def _may_be_inherited(outcome: Outcome) -> bool:
    """Memory exhausted or a crash: what an earlier file could have left a worker open to."""
    verdict, detail = outcome
    return verdict == "memory" or (verdict == "died" and detail != -signal.SIGXCPU)


class _Worker:
    """One decoding process and the parent's end of its pipe."""

    def __init__(self, context: Any, limits: DecodeLimits) -> None:
        self.files = 0
        self._conn, theirs = context.Pipe()
        self._process: BaseProcess = context.Process(
            target=serve, args=(theirs, limits), name="jobshots-decoder", daemon=True
        )
        try:
            self._process.start()
        finally:
            theirs.close()

    def alive(self) -> bool:
        return self._process.is_alive()

    def decode(self, job: DecodeJob, timeout: float) -> Outcome:
        """Send one file and wait for what happened to it, for at most `timeout` seconds."""
        self.files += 1
        try:
            self._conn.send(job)
        except OSError:
            return self._death()
        if not wait([self._conn, self._process.sentinel], timeout):
            return ("timeout", None)
        try:
            if self._conn.poll():
                return self._conn.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):
            pass
        return self._death()

    def _death(self) -> Outcome:
        self._process.join(5)
        return ("died", self._process.exitcode)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()


def _result(outcome: Outcome, limits: DecodeLimits) -> DecodeResult:
    verdict, detail = outcome
    if verdict == "decoded":
        return detail  # type: ignore[no-any-return]
    if verdict == "refused":
        raise UnprocessableMedia(detail)
    if verdict == "timeout":
        raise LimitExceeded(f"decoding took longer than {limits.timeout_seconds:g} s")
    if verdict == "memory":
        raise LimitExceeded(f"decoding used more than {limits.memory_mb} MB")
    if verdict == "error":
        raise DecodeError(detail)
    if isinstance(detail, int) and detail < 0:
        if -detail == signal.SIGXCPU:
            raise LimitExceeded(f"decoding used more than {limits.cpu_seconds} s of CPU time")
        name = signal.Signals(-detail).name
        if -detail == signal.SIGKILL:
            raise DecoderCrashed(f"decoding was killed ({name})")
        raise DecoderCrashed(f"decoding crashed ({name})")
    raise DecodeError(f"the decoding process ended without a result (exit code {detail})")


def serve(conn: Connection, limits: DecodeLimits) -> None:
    """A worker's life: take on the memory cap, then decode each file sent, each timed."""
    # Loaded before the cap, whether or not the fork server had them already.
    importlib.import_module("jobshots.media.warm")
    _cap_memory(limits.memory_mb)
    configure_worker_process()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        _allow_cpu(limits.cpu_seconds)
        conn.send(decode_outcome(job, limits.memory_mb))


def decode_outcome(job: DecodeJob, memory_mb: int) -> Outcome:
    """What decoding `job` came to, as a picklable (verdict, detail)."""
    before = _data_mb()
    try:
        return ("decoded", examine(job))
    except Exception as exc:
        if _out_of_memory(exc, before, memory_mb):
            return ("memory", None)
        if isinstance(exc, UnprocessableMedia):
            return ("refused", str(exc))
        return ("error", f"{type(exc).__name__}: {exc}")


def _cap_memory(megabytes: int) -> None:
    # RLIMIT_DATA counts the heap and private writable mappings, not the shared libraries'
    # code that RLIMIT_AS would also count; core dumps of killed workers are not wanted.
    _set_soft_and_hard(resource.RLIMIT_DATA, megabytes * _MB)
    _set_soft_and_hard(resource.RLIMIT_CORE, 0)


def _allow_cpu(seconds: int) -> None:
    """SIGXCPU (which ends the worker) once this file has used `seconds` of CPU time."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = spent + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _set_soft_and_hard(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _data_mb() -> float:
    """The heap and private memory the worker holds now (VmData, what RLIMIT_DATA counts)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmData:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _out_of_memory(error: BaseException, before_mb: float, memory_mb: int) -> bool:
    """True when an allocation failure is in the error's chain, or when the failed decode
    still holds most of the room the cap left it (some decoders only say "generic error" when
    malloc fails: what they allocated is still referenced from the traceback, so counted)."""
    if _data_mb() - before_mb >= (memory_mb - before_mb) * _NEAR_THE_CAP:
        return True
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, MemoryError) or getattr(seen, "errno", None) == 12:
            return True
        if any(words in str(seen).lower() for words in _OUT_OF_MEMORY):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
