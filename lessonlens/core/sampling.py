"""Sampling instants: when in the lesson the coder assigns codes."""

from __future__ import annotations

import math

DEFAULT_INTERVAL = 6.0


def sampling_instants(duration: float, interval: float = DEFAULT_INTERVAL, start: float = 0.0) -> tuple[float, ...]:
    """Instants ``start, start+interval, ...`` strictly before ``start + duration``."""
    if interval <= 0:
        raise ValueError(f"sampling interval must be positive, got {interval}")
    if duration <= 0:
        return ()
    count = math.ceil(duration / interval - 1e-9)
    return tuple(round(start + i * interval, 6) for i in range(count))
