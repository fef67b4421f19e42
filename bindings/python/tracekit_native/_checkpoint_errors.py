"""What a checkpoint does with its own failures: count, log rarely, return.

A checkpoint must never break the code it observes (the product's "crash
isolation"): a bad label, variables that are not a mapping or a failure
inside the binding or the library is counted, logged at most once per
LOG_INTERVAL_SECONDS per kind (with how many happened since), and the
checkpoint returns. With `strict=True` the error is raised as well, for
development.
"""
import logging
import threading
import time

from . import _lib
from ._errors import TraceKitError

LOG_INTERVAL_SECONDS = 60.0

# kind -> the stats() key that counts it
STATS_KEYS = {
    "invalid_label": "dropped_invalid_label",
    "invalid_variables": "dropped_invalid_variables",
    "internal_error": "dropped_internal_error",
}

_log = logging.getLogger("tracekit_native")


class CheckpointError(TraceKitError):
    """A checkpoint's own failure; `kind` is a key of STATS_KEYS."""

    def __init__(self, kind, message, status=_lib.TK_ERR_INVALID_ARGUMENT, status_text="invalid argument"):
        super().__init__(status, message, status_text)
        self.kind = kind


class CheckpointErrors:
    """Counters and the rate-limited log of one client's checkpoint failures."""

    def __init__(self, strict):
        self.strict = strict
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(STATS_KEYS, 0)
        self._unlogged = dict.fromkeys(STATS_KEYS, 0)
        self._next_log = dict.fromkeys(STATS_KEYS, 0.0)

    def report(self, error):
        """Counts and maybe logs `error` (any exception); raises it again in
        strict mode."""
        kind = error.kind if isinstance(error, CheckpointError) else "internal_error"
        now = time.monotonic()
        with self._lock:
            self._counts[kind] += 1
            self._unlogged[kind] += 1
            due = now >= self._next_log[kind]
            if due:
                repeated, self._unlogged[kind] = self._unlogged[kind], 0
                self._next_log[kind] = now + LOG_INTERVAL_SECONDS
        if due:
            _log.warning("capture_snapshot failed (%s, %d time(s) since the last report; the checkpoint did "
                         "nothing): %s: %s", kind, repeated, type(error).__name__, error)
        if self.strict:
            raise error

    def stats(self):
        """{stats key: count}, merged into Client.stats()."""
        with self._lock:
            return {STATS_KEYS[kind]: count for kind, count in self._counts.items()}

    def after_fork_in_child(self):
        # A parent thread may have held the lock at fork time.
        self._lock = threading.Lock()
