"""The capture's Python stack: innermost first, one "function (file:line)"
per frame, the same whether a frame's JSON was cached or not."""
import json
import re
import sys

from tracekit_native import _stack

FRAME = re.compile(r"(?P<function>.+) \((?P<file>.+):(?P<line>\d+)\)")


def here():
    return [FRAME.fullmatch(frame).groupdict() for frame in json.loads(_stack.stack_json(sys._getframe()))]


def twice_on_two_lines():
    first = here()
    second = here()
    return first, second


def test_frames_are_innermost_first_with_their_lines():
    first, second = twice_on_two_lines()
    assert [frame["function"] for frame in first[:3]] == ["here", "twice_on_two_lines",
                                                          "test_frames_are_innermost_first_with_their_lines"]
    assert first[0]["file"] == __file__
    assert int(second[1]["line"]) == int(first[1]["line"]) + 1  # cached per bytecode offset, not per function


def test_a_cached_frame_reads_as_a_fresh_one(monkeypatch):
    monkeypatch.setattr(_stack, "_frames", {})
    fresh, cached = [here() for _ in range(2)]  # the same frames twice: built, then from the cache
    assert len(_stack._frames) > 0
    assert cached == fresh


def test_the_stack_is_bounded_and_the_cache_too(monkeypatch):
    monkeypatch.setattr(_stack, "MAX_CACHED_FRAMES", 4)

    def deep(n):
        return json.loads(_stack.stack_json(sys._getframe())) if n == 0 else deep(n - 1)

    assert len(deep(_stack.MAX_STACK_FRAMES + 10)) == _stack.MAX_STACK_FRAMES
    assert len(_stack._frames) <= 4
