"""The Python stack of a capture, as the JSON array context_json carries,
each frame in its text form "function (file:line)": the library parses a
string per frame several times faster than a {"function", "file", "line"}
object.

Each frame's JSON is made once per code object and bytecode offset and
cached: a service captures from the same few stacks over and over, and
building and encoding a dict per frame was most of the context's cost.
The cache holds its code objects, so an id() in a key cannot be reused
by another code object while cached; it is bounded (cleared when full).
"""
from ._json import _encode

MAX_STACK_FRAMES = 64
MAX_CACHED_FRAMES = 10_000

_frames = {}  # (id(code), f_lasti) -> (code, frame JSON); dict operations are atomic under the GIL


def _frame_json(frame, code):
    return _encode(f"{code.co_name} ({code.co_filename}:{frame.f_lineno or 0})")


def stack_json(frame):
    """JSON array of "function (file:line)" from frame outwards,
    innermost first, at most MAX_STACK_FRAMES frames."""
    frames = _frames
    parts = []
    while frame is not None and len(parts) < MAX_STACK_FRAMES:
        code = frame.f_code
        key = (id(code), frame.f_lasti)
        entry = frames.get(key)
        if entry is None or entry[0] is not code:
            if len(frames) >= MAX_CACHED_FRAMES:
                frames.clear()
            entry = frames[key] = (code, _frame_json(frame, code))
        parts.append(entry[1])
        frame = frame.f_back
    return "[" + ",".join(parts) + "]"
