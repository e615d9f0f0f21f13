"""The benchmark's user-facing error."""
from __future__ import annotations


class BenchmarkError(RuntimeError):
    """A benchmark that cannot run as asked (unknown sequence, missing checkpoint, ...)."""
