"""The capture client: checkpoints, flush, stats, shutdown.

The inactive checkpoint never crosses into C. Each call site (code object,
bytecode offset, label) gets a `_Site` holding the library's `tk_site *`
handle and a cached `active` flag. While a label has been seen at one call
site only, the checkpoint finds that site by its label alone, without
looking at the caller's frame (materialising it is most of the cost): see
LabelBindings. An active site is claimed (tk_site_claim) before anything
else, so a suppressed checkpoint is the lookup plus one ctypes call; the
frame is looked at only for a capture that goes ahead. A background
thread refreshes every flag from
`tk_site_active` (one atomic load) every REFRESH_SECONDS, so a
breakpoint enabled on the server is live here within ~REFRESH_SECONDS of
the library learning about it (SSE: well under 50 ms). With tens of
thousands of sites a pass takes longer and the interval grows with it (at
most ~10% of the time spent refreshing). The hot path is a dict lookup
by label and an attribute read.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import weakref
from typing import Any, Dict, Optional
from collections.abc import Mapping

from . import _lib
from ._checkpoint_errors import CheckpointError, CheckpointErrors
from ._errors import TraceKitError
from ._json import to_json
from ._json import _encode
from ._stack import stack_json
from .middleware._context import current_context

REFRESH_SECONDS = 0.05
MAX_CACHED_SITES = 100_000

_getframe = sys._getframe
_log = logging.getLogger("tracekit_native")
_LOG_LEVELS = {0: logging.DEBUG, 1: logging.INFO, 2: logging.WARNING, 3: logging.ERROR}
_live_clients = weakref.WeakSet()
_finalizing = False


class _Site:
    """A cached call site. It holds its code object so that the id() in its
    cache key cannot be reused by another code object while it is cached
    (hashing a code object costs ~0.4 us; hashing its id a few ns).

    bound: the label-keyed fast path may use this site without looking at
    the caller's frame (it was confirmed as its label's one call site since
    the last refresh). skip: bound and inactive, the fast path returns at
    once (one attribute read: the whole inactive checkpoint)."""

    __slots__ = ("handle", "active", "code", "offset", "bound", "skip")

    def __init__(self, handle, active, code, offset):
        self.handle = handle
        self.active = active
        self.code = code
        self.offset = offset
        self.bound = False
        self.skip = False

    def is_called_from(self, frame):
        return frame.f_code is self.code and frame.f_lasti == self.offset


class LabelBindings:
    """label -> the one call site it has been seen at.

    The label-keyed fast path trusts this binding while the site's `bound`
    flag holds. The refresher clears every flag on each pass (every
    REFRESH_SECONDS), so the next call of each label takes the full path
    once, which looks at the frame: the same site sets `bound` again; a
    second call site using the label ends the binding for good (that label
    then always takes the full path). A second site is thus discovered on
    the first of its calls that follows a refresh."""

    __slots__ = ("by_label", "shared")

    def __init__(self):
        self.by_label = {}
        self.shared = set()   # labels seen at two or more call sites

    def confirm(self, label, site):
        """The full path met `site` for `label`; True when the fast path may
        trust it from now on."""
        bound = self.by_label.get(label)
        if bound is site:
            return True
        if bound is not None:  # (checked and changed without a lock: a race only delays a binding)
            self.by_label.pop(label, None)
            self.shared.add(label)
        elif label not in self.shared:
            self.by_label[label] = site
            return True
        return False


def _invalid(message):
    return TraceKitError(_lib.TK_ERR_INVALID_ARGUMENT, message, "invalid argument")


def _on_library_log(level, message, _userdata):
    # Called on the library's threads; must not call back into the client.
    if _finalizing:
        return
    try:
        _log.log(_LOG_LEVELS.get(level, logging.INFO), "%s", message.decode("utf-8", "replace") if message else "")
    except Exception:
        pass


_LOG_CALLBACK = _lib.LOG_FN(_on_library_log)


def _context_json(frame, limits):
    """context_json for tk_site_capture: the request context (built here
    from str and int only, so the C encoder takes it as it is; the general
    conversion is the fallback should anything else slip in) and the
    stack, appended as JSON text."""
    context = current_context()
    stack = stack_json(frame)
    if not context:
        return f'{{"stack_trace":{stack}}}'.encode("utf-8", "surrogatepass")
    try:
        text = _encode(context)
    except (TypeError, ValueError):
        text = to_json(context, limits)
    return f'{text[:-1]},"stack_trace":{stack}}}'.encode("utf-8", "surrogatepass")


class Client:
    """A TraceKit capture client; create it with `tracekit_native.init()`."""

    def __init__(self, lib, settings, strict=False):
        self._lib = lib
        self._settings = settings
        self._errors = CheckpointErrors(strict)
        self._lock = threading.Lock()
        self._closed = False
        self._start()
        _live_clients.add(self)

    def _start(self):
        """Creates the library's client and the refresher thread (at init and
        again in a forked child)."""
        builder = self._settings.options(self._lib)
        try:
            self._lib.tk_options_set_logger(builder.handle, _LOG_CALLBACK, None)
            self._handle = self._lib.tk_client_new(builder.handle)
        finally:
            builder.free()
        if not self._handle:
            raise self._lib.error(_lib.TK_ERR_INVALID_ARGUMENT, "client")
        self._limits = self._settings.limits()  # the options are valid by now
        self._claim = self._lib.tk_site_claim
        self._sites = {}            # (id(code), offset, label) -> _Site; read without a lock
        self._site_list = []        # the same sites, for the refresher
        self._labels = LabelBindings()
        self._stop = threading.Event()
        self._refresher = threading.Thread(target=self._refresh_loop, name="tracekit-native-refresh", daemon=True)
        self._refresher.start()

    # -- checkpoints -------------------------------------------------------

    def capture_snapshot(self, label: str, variables: Optional[Mapping[str, Any]] = None) -> None:
        """Captures `variables` (a dict) with the caller's file, line, function,
        Python stack and request context, if a breakpoint is enabled for this
        call site on the server. Returns immediately: never waits on the
        network. An inactive checkpoint costs a dict lookup.

        Never raises (unless the client was made with strict=True): an
        invalid label, variables that are not a mapping or an internal
        failure is counted in stats() (dropped_invalid_label,
        dropped_invalid_variables, dropped_internal_error), logged at most
        once a minute per kind, and the checkpoint does nothing. Values that
        are not JSON-serialisable become placeholders. After shutdown() it
        does nothing."""
        try:
            site = self._labels.by_label.get(label)
        except Exception:  # an unhashable or hostile label: reported by the full path
            site = None
        if site is not None:
            if site.skip:
                return
            if site.bound:
                # Every suppression (limits, budget, expiry, kill switch, open
                # circuit, shutdown) is decided by the claim, before anything
                # is built; tk_site_capture uses the claimed slot.
                if site.active and self._claim(site.handle):
                    self._capture_bound(_getframe(1), label, variables, site)
                return
        self._checkpoint(_getframe(1), label, variables)

    def _checkpoint(self, frame, label, variables):
        """The full path: the call site from the frame."""
        try:
            site = self._sites.get((id(frame.f_code), frame.f_lasti, label))
        except Exception:  # an unhashable or hostile label: reported below
            site = None
        if site is not None:
            site.bound = self._labels.confirm(label, site)
            site.skip = site.bound and not site.active
            if not site.active or not self._claim(site.handle):
                return
        self._capture(frame, label, variables, site)

    def _capture_bound(self, frame, label, variables, site):
        """A capture claimed on the label's bound site. Should the label
        have been used at another call site since the last refresh, the
        full path captures at the right site (and ends the binding); the
        slot claimed here is then spent (tk_site_claim)."""
        if site.is_called_from(frame):
            self._capture(frame, label, variables, site)
        else:
            self._checkpoint(frame, label, variables)

    def _capture(self, frame, label, variables, site):
        try:
            self._capture_checked(frame, label, variables, site)
        except Exception as error:  # crash isolation: see _checkpoint_errors
            self._errors.report(error)

    def _capture_checked(self, frame, label, variables, site):
        if type(label) is not str or not label:
            # The type only: repr() of an arbitrary object may run its code.
            raise CheckpointError("invalid_label", f"label must be a non-empty string, got {type(label).__name__}")
        if "\x00" in label:
            raise CheckpointError("invalid_label", "label must not contain NUL characters")
        if variables is None:
            variables = {}
        elif type(variables) is not dict and not isinstance(variables, Mapping):
            raise CheckpointError("invalid_variables",
                                  f"variables must be a dict (mapping), got {type(variables).__name__}")
        if self._closed:
            return
        # Safe even if another thread shuts the client down meanwhile: the
        # handle stays valid until it is freed, with this object.
        status = self._capture_in_library(frame, label, variables, site)
        if status not in (_lib.TK_OK, _lib.TK_ERR_QUEUE_FULL, _lib.TK_ERR_SHUT_DOWN):
            error = self._lib.error(status, "capture_snapshot")
            raise CheckpointError("internal_error", error.message, status, error.status_text)

    def _capture_in_library(self, frame, label, variables, site):
        lib = self._lib
        if site is None:
            site = self._site_for(frame, label)
            if site is None:
                return _lib.TK_ERR_SHUT_DOWN
            if not lib.tk_site_active(site.handle):
                # The first hit of an inactive site: the library
                # auto-registers it with the backend and never captures
                # (a breakpoint may have made it active since the check).
                return lib.tk_site_register(site.handle)
        variables_json = to_json(variables, self._limits).encode("utf-8", "surrogatepass")
        context_json = _context_json(frame, self._limits)
        return lib.tk_site_capture(site.handle, variables_json, len(variables_json), context_json)

    def _site_for(self, frame, label):
        code = frame.f_code
        handle = self._lib.tk_site_get(self._handle, label.encode("utf-8", "surrogatepass"),
                                       code.co_filename.encode("utf-8", "surrogatepass"),
                                       max(0, min(frame.f_lineno or 0, 2**31 - 1)),
                                       code.co_name.encode("utf-8", "surrogatepass"))
        if not handle:
            if self._closed:  # shut down by another thread meanwhile
                return None
            error = self._lib.error(_lib.TK_ERR_INVALID_ARGUMENT, "capture_snapshot")
            raise CheckpointError("internal_error", error.message)
        site = _Site(handle, bool(self._lib.tk_site_active(handle)), code, frame.f_lasti)
        with self._lock:
            if len(self._sites) < MAX_CACHED_SITES:
                key = (id(code), frame.f_lasti, label)
                existing = self._sites.get(key)
                if existing is None:
                    self._sites[key] = site
                    self._site_list.append(site)
                    self._labels.confirm(label, site)  # binds the label, or ends its binding
                else:
                    site = existing
        return site

    # -- lifecycle -----------------------------------------------------------

    def _refresh_loop(self):
        site_active = self._lib.tk_site_active
        interval = REFRESH_SECONDS
        while not self._stop.wait(interval):
            started = time.monotonic()
            sites = self._site_list
            for index in range(len(sites)):
                site = sites[index]
                site.active = bool(site_active(site.handle))
                site.bound = site.skip = False  # the next call confirms its call site
            # A pass holds the GIL (~0.3 us a site): with very many sites,
            # refresh less often so it stays under ~10% of one core.
            interval = max(REFRESH_SECONDS, 10 * (time.monotonic() - started))

    def _after_fork_in_child(self):
        """In a forked child (gunicorn --preload, uWSGI without lazy-apps,
        multiprocessing): the library's client is inert here and the
        refresher thread is gone, so build both again from init()'s
        settings; the parent's client is untouched. Another thread may have
        held a lock at fork time: the child gets fresh ones."""
        self._lock = threading.Lock()
        self._errors.after_fork_in_child()
        for site in self._site_list:  # handles of the parent's client
            site.active = False
        self._sites, self._site_list = {}, []
        if self._closed:
            return
        inert, self._handle = self._handle, None
        self._lib.tk_client_free(inert)  # in a child: only releases memory
        try:
            self._start()
        except Exception as error:
            self._closed = True
            _log.warning("no TraceKit client in forked process %d: %s", os.getpid(), error)

    def flush(self, timeout: float = 5.0) -> bool:
        """Waits until the snapshots queued so far are sent, at most `timeout`
        seconds. True when the queue drained in time, False on timeout."""
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
            raise _invalid(f"timeout must be a non-negative number of seconds, got {timeout!r}")
        self._raise_if_closed()
        status = self._lib.tk_client_flush(self._handle, int(min(timeout, 10**9) * 1000))
        if status == _lib.TK_ERR_TIMEOUT:
            return False
        if status != _lib.TK_OK:
            raise self._lib.error(status, "flush")
        return True

    def stats(self) -> Dict[str, Any]:
        """The library's counters (captured, sent, failed, dropped_*,
        suppressed_*, redactions, kill_switch, circuit_state, ...) as a dict."""
        self._raise_if_closed()
        text = self._lib.take_string(self._lib.tk_client_stats(self._handle))
        if text is None:
            raise self._lib.error(_lib.TK_ERR_INTERNAL, "stats")
        stats = json.loads(text)
        stats.update(self._errors.stats())
        return stats

    def _raise_if_closed(self):
        if self._closed:
            raise TraceKitError(_lib.TK_ERR_SHUT_DOWN, "the client has been shut down", "shut down")

    def shutdown(self) -> None:
        """Sends what is queued (bounded by capture_timeout) and stops the
        client's threads. Later checkpoints do nothing; flush() and stats()
        raise TraceKitError. Safe while other threads still capture; calling
        it again does nothing. The library's memory goes with this object."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if self._refresher is not threading.current_thread():
            self._refresher.join()
        for site in self._site_list:
            site.active = False
        self._lib.tk_client_shutdown(self._handle)
        _live_clients.discard(self)

    def __del__(self):
        # No thread can be inside the library with this client any more
        # (each would hold a reference); tk_client_free shuts down if needed.
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            try:
                self._lib.tk_client_free(handle)
            except Exception:
                pass

    @property
    def is_shut_down(self) -> bool:
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def _shutdown_all_at_exit():
    for client in list(_live_clients):
        try:
            client.shutdown()
        except Exception:
            pass
    global _finalizing
    _finalizing = True


def _after_fork_in_child():
    for client in list(_live_clients):
        client._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
