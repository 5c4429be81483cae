"""The server's memory over a run: RSS of its process group sampled every few seconds."""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024
# Flat: the last window's median at most this much above the early window's.
ALLOWED_GROWTH_RATIO = 0.10
ALLOWED_GROWTH_BYTES = 32 * MIB


def group_rss(group: int) -> int:
    """Resident bytes of every process in a process group (the server and its children)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the parenthesised command name: state, ppid, pgrp, ...
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != group:
                continue
            total += int((entry / "statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue  # the process ended while being read
    return total


@dataclass
class MemorySampler:
    """Samples a process group's RSS on a thread, as (seconds since start, bytes)."""

    group: int
    every: float = 2.0
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> MemorySampler:
        """Begin sampling now; time zero is now."""
        started = time.monotonic()

        def loop() -> None:
            while not self._stop.is_set():
                self.samples.append((time.monotonic() - started, group_rss(self.group)))
                self._stop.wait(self.every)

        self._thread = threading.Thread(target=loop, name="load-memory", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@dataclass(frozen=True)
class MemoryVerdict:
    """Median RSS early in the run (minute 1 of 5) and at its end, and whether that is flat."""

    early_bytes: int
    late_bytes: int
    peak_bytes: int
    samples: int

    @property
    def growth_bytes(self) -> int:
        """How much the late median is above the early one."""
        return self.late_bytes - self.early_bytes

    @property
    def flat(self) -> bool:
        """At most 10% or 32 MiB (whichever is larger) of growth."""
        allowed = max(self.early_bytes * ALLOWED_GROWTH_RATIO, ALLOWED_GROWTH_BYTES)
        return self.growth_bytes <= allowed


def verdict(samples: list[tuple[float, int]], seconds: float) -> MemoryVerdict:
    """Compare the window around a fifth of the run (minute 1 of 5) with its last tenth."""
    early = _window(samples, seconds * 0.15, seconds * 0.25)
    late = _window(samples, seconds * 0.90, seconds * 1.01)
    return MemoryVerdict(
        early_bytes=int(statistics.median(early)),
        late_bytes=int(statistics.median(late)),
        peak_bytes=max(rss for _, rss in samples),
        samples=len(samples),
    )


def _window(samples: list[tuple[float, int]], start: float, end: float) -> list[int]:
    inside = [rss for at, rss in samples if start <= at < end]
    if inside:
        return inside
    # Too few samples in a short run: take the nearest one.
    middle = (start + end) / 2
    return [min(samples, key=lambda sample: abs(sample[0] - middle))[1]]
