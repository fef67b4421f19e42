"""Turns arbitrary Python values into JSON text, safely and with bounded work.

The library scrubs and bounds the JSON it receives; this module only makes
sure there is valid JSON to give it, whatever the application passes:

- JSON types pass through (str, int, float, bool, None, dict, list, tuple);
  other mappings become objects, sets and frozensets arrays, dataclass
  instances objects of their fields; datetime/date/time become ISO 8601
  text, Decimal/UUID/PurePath their str(), Enum members their value.
- Anything else becomes the placeholder "[UNSERIALIZABLE:<module.Type>]"
  (never repr(): it may run arbitrary code or leak secrets).
- A container that contains itself becomes "[CIRCULAR]" where it recurs.
- NaN and infinities become the strings "NaN", "Infinity", "-Infinity".
- Work is bounded before serialisation: containers deeper than max_depth
  become {"_truncated": true, "_depth": N}; a container keeps at most
  max_items entries (then {"_truncated": true, "_length": N} is appended to
  lists, "_truncated_keys": N added to objects); strings longer than
  max_string are cut and end with "[TRUNCATED:<length> chars]"; after
  max_nodes values in total, the rest become {"_truncated": true}.
"""
import dataclasses
import datetime
import decimal
import enum
import itertools
import json
import math
import pathlib
import uuid
from collections.abc import Mapping

CIRCULAR = "[CIRCULAR]"

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                           check_circular=False).encode
_isfinite = math.isfinite
_SPECIAL_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
# Python refuses to print ints beyond ~4300 digits; stay well below.
_MAX_INT_BITS = 4096


def placeholder(value):
    kind = type(value)
    return f"[UNSERIALIZABLE:{kind.__module__}.{kind.__qualname__}]"


class Limits:
    __slots__ = ("max_depth", "max_items", "max_string", "max_nodes")

    def __init__(self, max_depth=64, max_items=10000, max_string=65536, max_nodes=100000):
        self.max_depth = max_depth
        self.max_items = max_items
        self.max_string = max_string
        self.max_nodes = max_nodes


class _Walk:
    """One conversion: the path of containers being visited and the budget left."""

    __slots__ = ("limits", "path", "nodes")

    def __init__(self, limits):
        self.limits = limits
        self.path = set()
        self.nodes = limits.max_nodes

    def value(self, value, depth):
        self.nodes -= 1
        if self.nodes < 0:
            return {"_truncated": True}
        kind = type(value)
        if kind is str:
            return value if len(value) <= self.limits.max_string else self._cut(value)
        if kind is int:
            return value if value.bit_length() <= _MAX_INT_BITS else f"[TRUNCATED:int of {value.bit_length()} bits]"
        if kind is bool or value is None:
            return value
        if kind is float:
            return value if _isfinite(value) else _SPECIAL_FLOATS[repr(value)]
        if kind is dict or kind is list or kind is tuple:
            return self._container(value, depth)
        return self._other(value, depth)

    def _cut(self, text):
        return text[: self.limits.max_string] + f"[TRUNCATED:{len(text)} chars]"

    def _container(self, value, depth, is_object=None):
        if is_object is None:
            is_object = isinstance(value, dict)
        if depth >= self.limits.max_depth:
            marker = {"_truncated": True, "_depth": depth + 1}
            if not is_object:
                marker["_length"] = len(value)
            return marker
        key = id(value)
        if key in self.path:
            return CIRCULAR
        self.path.add(key)
        try:
            return self._object(value, depth) if is_object else self._array(value, depth)
        finally:
            self.path.discard(key)

    def _object(self, mapping, depth):
        result = {}
        count = 0
        try:
            for name, item in itertools.islice(mapping.items(), self.limits.max_items):
                result[self._key(name)] = self.value(item, depth + 1)
                count += 1
        except RuntimeError:  # changed size during iteration (another thread)
            result["_truncated_by"] = "changed during capture"
        if len(mapping) > count:
            result["_truncated_keys"] = len(mapping)
        return result

    def _array(self, sequence, depth):
        items = list(sequence[: self.limits.max_items]) if isinstance(sequence, (list, tuple)) else sequence
        result = [self.value(item, depth + 1) for item in items]
        if len(sequence) > len(result):
            result.append({"_truncated": True, "_length": len(sequence)})
        return result

    def _key(self, name):
        """Object keys are strings in JSON: the json module's rules for
        scalar keys, a placeholder for anything else."""
        if type(name) is not str:
            if isinstance(name, str):
                name = str.__str__(name)
            elif isinstance(name, bool) or name is None:
                return {True: "true", False: "false", None: "null"}[name]
            elif isinstance(name, int):
                return str(int(name)) if name.bit_length() <= _MAX_INT_BITS else "[TRUNCATED:int key]"
            elif isinstance(name, float):
                return repr(float(name))
            else:
                return placeholder(name)
        return name if len(name) <= self.limits.max_string else self._cut(name)

    def _other(self, value, depth):
        """Subclasses of the JSON types and the well-known value types."""
        if isinstance(value, enum.Enum):
            return self.value(value.value, depth)
        if isinstance(value, str):
            return self.value(str.__str__(value), depth)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return self.value(int(value), depth)
        if isinstance(value, float):
            return self.value(float(value), depth)
        if isinstance(value, (list, tuple)):
            return self._container(value, depth, is_object=False)
        if isinstance(value, Mapping):
            return self._container(value, depth, is_object=True)
        if isinstance(value, (set, frozenset)):
            items = self._container(list(itertools.islice(value, self.limits.max_items)), depth, is_object=False)
            if isinstance(items, list) and len(value) > self.limits.max_items:
                items.append({"_truncated": True, "_length": len(value)})
            return items
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            return value.isoformat()
        if isinstance(value, (decimal.Decimal, uuid.UUID, pathlib.PurePath)):
            return str(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {field.name: getattr(value, field.name, None) for field in dataclasses.fields(value)}
            return self._container(fields, depth)
        return placeholder(value)


# Plain data nested deeper than this takes the converting walk.
_PLAIN_MAX_DEPTH = 32


def _plain_budget(container, budget, limits, depth):
    """What is left of budget (values allowed) when container — a dict or
    list of exact JSON types, str keys, finite floats, strings and ints
    within bounds, nested at most depth more levels — can be encoded as it
    is; -1 otherwise (including a cycle, which exceeds any depth)."""
    max_string = limits.max_string
    if len(container) > limits.max_items:
        return -1
    is_dict = type(container) is dict
    if is_dict:
        for key in container:
            if type(key) is not str or len(key) > max_string:
                return -1
    for item in (container.values() if is_dict else container):
        budget -= 1
        kind = type(item)
        if kind is str:
            if len(item) > max_string:
                return -1
        elif kind is int:
            if item.bit_length() > _MAX_INT_BITS:
                return -1
        elif kind is float:
            if not _isfinite(item):
                return -1
        elif kind is dict or kind is list:
            if depth <= 1:
                return -1
            budget = _plain_budget(item, budget, limits, depth - 1)
        elif not (item is None or kind is bool):
            return -1
        if budget < 0:
            return -1
    return budget


def to_json(value, limits):
    """JSON text for value (see the module docstring); never raises for any
    value, except MemoryError. Plain data within the limits (the common
    case) is encoded as it is, without the walk's copy: the same text."""
    try:
        depth = min(limits.max_depth, _PLAIN_MAX_DEPTH)
        if type(value) is dict and _plain_budget(value, limits.max_nodes - 1, limits, depth) >= 0:
            return _encode(value)
        safe = _Walk(limits).value(value, 0)
    except RecursionError:
        safe = {"_truncated": True, "_error": "recursion limit"}
    except Exception as error:  # a hostile __eq__/__len__/items(): keep the capture, say what happened
        safe = {"_error": f"variables could not be converted: {type(error).__name__}"}
    return _encode(safe)
