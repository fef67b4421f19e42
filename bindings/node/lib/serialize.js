'use strict';
// Turns arbitrary JavaScript values into JSON text, safely and with bounded
// work. The library scrubs and bounds the JSON it receives; this module only
// makes sure there is valid JSON to give it, whatever the application passes:
//
// - JSON types pass through; undefined becomes null.
// - NaN and the infinities become "NaN", "Infinity", "-Infinity"; a BigInt
//   its decimal digits (a string: JSON numbers lose precision past 2^53).
// - Functions become "[Function: name]", symbols "Symbol(description)".
// - Date: ISO 8601 text; RegExp, boxed primitives, URL: their string; Error:
//   {name, message}; Map: an object of its entries; Set: an array; Buffer,
//   typed arrays, ArrayBuffer: "[Uint8Array: N bytes]" (binary is never
//   copied); Promise, WeakMap, WeakSet, WeakRef: "[Promise]", ...
// - Other objects: their own enumerable string-keyed properties (getters
//   run, as JSON.stringify runs them; one that throws gives
//   "[THROWS: <error name>]"). toJSON is not called.
// - A container met again inside itself becomes "[CIRCULAR]".
// - Work is bounded: containers deeper than maxDepth become
//   {"_truncated": true, "_depth": N}; at most maxItems entries a container
//   (arrays then end with {"_truncated": true, "_length": N}, objects get
//   "_truncated_keys": true); strings longer than maxString are cut and end
//   with "[TRUNCATED:<length> chars]"; after maxNodes values the rest become
//   {"_truncated": true}.

const CIRCULAR = '[CIRCULAR]';
const hasOwn = Object.prototype.hasOwnProperty;
const objectToString = Object.prototype.toString;

class Limits {
  constructor({ maxDepth = 64, maxItems = 10000, maxString = 65536, maxNodes = 100000 } = {}) {
    this.maxDepth = maxDepth;
    this.maxItems = maxItems;
    this.maxString = maxString;
    this.maxNodes = maxNodes;
  }
}

function errorName(error) {
  try {
    return error instanceof Error ? error.name : typeof error;
  } catch {
    return 'unknown';
  }
}

// One conversion: the containers on the current path and the budget left.
class Walk {
  constructor(limits) {
    this.limits = limits;
    this.path = new Set();
    this.nodes = limits.maxNodes;
  }

  value(value, depth) {
    if (--this.nodes < 0) return { _truncated: true };
    switch (typeof value) {
      case 'string':
        return this.text(value);
      case 'number':
        if (Number.isFinite(value)) return value;
        return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
      case 'boolean':
        return value;
      case 'undefined':
        return null;
      case 'bigint':
        return this.text(value.toString());
      case 'symbol':
        return this.text(value.toString());
      case 'function':
        return this.text(`[Function: ${functionName(value)}]`);
      default:
        if (value === null) return null;
        try {
          return this.object(value, depth);
        } catch (error) { // a Proxy trap, a throwing iterator
          return `[THROWS: ${errorName(error)}]`;
        }
    }
  }

  text(string) {
    const max = this.limits.maxString;
    return string.length <= max ? string : `${string.slice(0, max)}[TRUNCATED:${string.length} chars]`;
  }

  object(value, depth) {
    const special = this.special(value);
    if (special !== undefined) return special;
    const isArray = Array.isArray(value);
    const isMap = value instanceof Map;
    const isSet = value instanceof Set;
    if (depth >= this.limits.maxDepth) {
      const marker = { _truncated: true, _depth: depth + 1 };
      if (isArray) marker._length = value.length;
      return marker;
    }
    if (this.path.has(value)) return CIRCULAR;
    this.path.add(value);
    try {
      if (isArray) return this.array(value, value.length, depth);
      if (isSet) return this.iterable(value.values(), value.size, depth);
      if (isMap) return this.map(value, depth);
      return this.properties(value, depth);
    } finally {
      this.path.delete(value);
    }
  }

  // Values with a fixed rendering, or undefined for "walk it".
  special(value) {
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    }
    if (ArrayBuffer.isView(value)) {
      return `[${value.constructor?.name ?? 'ArrayBufferView'}: ${value.byteLength} bytes]`;
    }
    if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
      return `[${value.constructor.name}: ${value.byteLength} bytes]`;
    }
    if (value instanceof Error) {
      return { name: this.text(String(value.name)), message: this.text(String(value.message)) };
    }
    if (value instanceof RegExp || value instanceof URL) return this.text(String(value));
    if (value instanceof Promise) return '[Promise]';
    if (value instanceof WeakMap) return '[WeakMap]';
    if (value instanceof WeakSet) return '[WeakSet]';
    if (value instanceof WeakRef) return '[WeakRef]';
    const tag = objectToString.call(value);
    if (tag === '[object String]' || tag === '[object Number]' || tag === '[object Boolean]' ||
        tag === '[object BigInt]' || tag === '[object Symbol]') {
      return this.value(value.valueOf(), 0);
    }
    return undefined;
  }

  array(array, length, depth) {
    const count = Math.min(length, this.limits.maxItems);
    const result = new Array(count);
    for (let index = 0; index < count; index++) result[index] = this.read(array, index, depth);
    if (length > count) result.push({ _truncated: true, _length: length });
    return result;
  }

  iterable(iterator, size, depth) {
    const result = [];
    for (const item of iterator) {
      if (result.length >= this.limits.maxItems) break;
      result.push(this.value(item, depth + 1));
    }
    if (size > result.length) result.push({ _truncated: true, _length: size });
    return result;
  }

  map(map, depth) {
    const result = {};
    let count = 0;
    for (const [key, item] of map) {
      if (count++ >= this.limits.maxItems) {
        result._truncated_keys = true;
        break;
      }
      result[this.key(key)] = this.value(item, depth + 1);
    }
    return result;
  }

  properties(object, depth) {
    const result = {};
    let count = 0;
    for (const key in object) {
      if (!hasOwn.call(object, key)) continue;
      if (count++ >= this.limits.maxItems) {
        result._truncated_keys = true;
        break;
      }
      result[this.text(key)] = this.read(object, key, depth);
    }
    return result;
  }

  // object[key], walked; a getter (or Proxy trap) that throws is reported.
  read(object, key, depth) {
    let item;
    try {
      item = object[key];
    } catch (error) {
      return `[THROWS: ${errorName(error)}]`;
    }
    return this.value(item, depth + 1);
  }

  key(key) {
    switch (typeof key) {
      case 'string':
        return this.text(key);
      case 'object':
      case 'function':
        return key === null ? 'null' : `[${objectToString.call(key).slice(8, -1)}]`;
      default:
        return this.text(String(key));
    }
  }
}

function functionName(fn) {
  try {
    return typeof fn.name === 'string' && fn.name !== '' ? fn.name : '(anonymous)';
  } catch {
    return '(anonymous)';
  }
}

// JSON text for value. Never throws: a failure inside the walk (a hostile
// Proxy, exhausted stack) becomes {"_error": ...} and the capture goes on.
function toJSON(value, limits) {
  try {
    return JSON.stringify(new Walk(limits).value(value, 0));
  } catch (error) {
    return JSON.stringify({ _error: `variables could not be converted: ${errorName(error)}` });
  }
}

module.exports = { Limits, toJSON, CIRCULAR };
