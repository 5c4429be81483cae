"""The decoding workers a runner needs, limited as the settings say."""

from __future__ import annotations

from jobshots.config import Settings
from jobshots.media.isolation import DecodeLimits, DecodingPool


def limits(settings: Settings) -> DecodeLimits:
    """What decoding one file may use."""
    return DecodeLimits(
        memory_mb=settings.decode_memory_mb,
        cpu_seconds=settings.decode_cpu_seconds,
        timeout_seconds=settings.decode_timeout_seconds,
    )


def decoding_pool(settings: Settings, workers: int) -> DecodingPool:
    """`workers` decoding processes, each file in one under the settings' limits."""
    return DecodingPool(workers, limits(settings))
