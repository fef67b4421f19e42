"""Safe conversion of Python values to JSON (tracekit_native._json)."""
import dataclasses
import datetime
import decimal
import enum
import json
import time
import uuid

from tracekit_native import _json
from tracekit_native._json import Limits, to_json


def convert(value, **limits):
    return json.loads(to_json(value, Limits(**limits)))


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_json_types_pass_through_unchanged():
    value = {"s": "text", "i": 7, "f": 1.5, "t": True, "n": None, "l": [1, [2]], "d": {"k": "v"}}
    assert convert(value) == value
    assert convert(("a", "b")) == ["a", "b"]


def test_well_known_types_become_readable_values():
    assert convert({
        "when": datetime.datetime(2026, 11, 25, 12, 0, 0), "day": datetime.date(2026, 1, 2),
        "price": decimal.Decimal("9.99"), "id": uuid.UUID(int=1), "colour": Colour.RED,
        "point": Point(1, 2), "tags": frozenset({"a"}),
    }) == {
        "when": "2026-11-25T12:00:00", "day": "2026-01-02", "price": "9.99",
        "id": "00000000-0000-0000-0000-000000000001", "colour": "red", "point": {"x": 1, "y": 2}, "tags": ["a"],
    }


def test_unserializable_values_become_typed_placeholders_without_calling_repr():
    class Secretive:
        def __repr__(self):
            raise AssertionError("repr must not be called")

    assert convert({"obj": Secretive(), "bytes": b"x", "fn": len}) == {
        "obj": "[UNSERIALIZABLE:test_json.test_unserializable_values_become_typed_placeholders_without_calling_repr.<locals>.Secretive]",
        "bytes": "[UNSERIALIZABLE:builtins.bytes]",
        "fn": "[UNSERIALIZABLE:builtins.builtin_function_or_method]",
    }


def test_cycles_become_markers_but_shared_values_do_not():
    shared = [1]
    loop = {"shared_a": shared, "shared_b": shared}
    loop["me"] = loop
    lst = []
    lst.append(lst)
    assert convert(loop) == {"shared_a": [1], "shared_b": [1], "me": "[CIRCULAR]"}
    assert convert(lst) == ["[CIRCULAR]"]


def test_non_finite_floats_and_huge_ints_stay_valid_json():
    result = convert({"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "big": 10**5000})
    assert result["nan"] == "NaN" and result["inf"] == "Infinity" and result["ninf"] == "-Infinity"
    assert result["big"].startswith("[TRUNCATED:int of ")


def test_keys_follow_json_module_rules_and_others_become_placeholders():
    assert convert({1: "a", 2.5: "b", None: "d", (1, 2): "e"}) == {
        "1": "a", "2.5": "b", "null": "d", "[UNSERIALIZABLE:builtins.tuple]": "e"}
    assert convert({True: "c"}) == {"true": "c"}


def test_depth_items_strings_and_total_work_are_bounded():
    deep = current = {}
    for _ in range(50_000):
        current["n"] = {}
        current = current["n"]
    result = convert(deep, max_depth=3)
    assert result == {"n": {"n": {"n": {"_truncated": True, "_depth": 4}}}}

    assert convert(list(range(10)), max_items=3) == [0, 1, 2, {"_truncated": True, "_length": 10}]
    assert convert({str(i): i for i in range(5)}, max_items=2) == {"0": 0, "1": 1, "_truncated_keys": 5}
    assert convert("x" * 100, max_string=10) == "x" * 10 + "[TRUNCATED:100 chars]"
    assert convert([[1, 2], [3, 4]], max_nodes=4) == [[1, 2], {"_truncated": True}]

    huge = list(range(3_000_000))
    started = time.monotonic()
    converted = convert({"huge": huge}, max_items=1000, max_nodes=100_000)["huge"]
    assert converted[:1000] == list(range(1000)) and converted[1000] == {"_truncated": True, "_length": 3_000_000}
    assert time.monotonic() - started < 0.5


def test_a_value_that_raises_during_conversion_does_not_escape():
    class Hostile(dict):
        def items(self):
            raise ValueError("no")

    assert convert({"h": Hostile(a=1)}) == {"_error": "variables could not be converted: ValueError"}


def test_lone_surrogates_survive_as_encodable_text():
    text = to_json({"s": "a\ud800b"}, Limits())
    assert text.encode("utf-8", "surrogatepass")


def test_any_mapping_becomes_an_object_and_big_sets_are_bounded():
    import types

    assert convert(types.MappingProxyType({"a": 1})) == {"a": 1}
    assert convert({"s": set(range(10))}, max_items=3)["s"][3] == {"_truncated": True, "_length": 10}


def test_plain_data_is_encoded_as_is_with_the_walks_exact_text():
    import random

    rng = random.Random(7)
    scalars = [1, -5, 2**70, 2**5000, 1.5, float("nan"), True, False, None, "x", "é\ud800", "y" * 50, (1, 2)]

    def document(depth):
        roll = rng.random()
        if depth and roll < 0.2:
            return {f"k{i}": document(depth - 1) for i in range(rng.randint(0, 7))}
        if depth and roll < 0.35:
            return [document(depth - 1) for _ in range(rng.randint(0, 7))]
        return rng.choice(scalars)

    for limits in (Limits(), Limits(max_depth=3, max_items=5, max_string=10, max_nodes=30),
                   Limits(max_depth=40, max_items=3, max_string=100, max_nodes=12)):
        for _ in range(500):
            value = {f"a{i}": document(6) for i in range(rng.randint(0, 7))}
            assert to_json(value, limits) == _json._encode(_json._Walk(limits).value(value, 0)), value
