/* The sanitizer's common case in one C loop (SanitizePass.swift calls it at
   each key of an object): members whose output is their input without the
   whitespace. A member qualifies when its key is plain ASCII, already in the
   thread's key cache with the plain decision (a normal value, no pattern
   shape in the name, see KeyDecisions.swift) and followed at once by ':';
   its value is a number that fits a double, a literal, or a plain ASCII
   string without escapes, within max_string_length and without any
   pattern's shape. The loop stops at the first thing it does not copy
   unchanged (a container, an escape, a candidate for a pattern, an unknown
   key, bad JSON, no room) and says where the Swift parser takes over: it
   decides, writes and reports everything else, errors included. */
#include "tk_scan.h"
#include "plain_ascii.h"

#include <string.h>

enum { SHORTEST_MATCH = 5 }; /* ShapeFilter.shortestMatch: shorter strings match no pattern */

static inline size_t skip_whitespace(const uint8_t *text, size_t i, size_t count) {
  /* Compact JSON has none: one compare decides most calls. */
  while (i < count && text[i] <= ' ' && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) i++;
  return i;
}

static int is_digit(uint8_t b) { return (uint8_t)(b - '0') < 10; }

/* The end of the number at text[i] (RFC 8259 grammar), or 0 when it is not
   one the caller copies unchanged: bad grammar (the Swift parser reports
   it) or possibly outside a double's range (more than 15 characters or an
   exponent: NumberRange.fitsInDouble decides). */
static size_t plain_number_end(const uint8_t *text, size_t i, size_t count) {
  size_t start = i;
  if (text[i] == '-') i++;
  if (i >= count || !is_digit(text[i])) return 0;
  if (text[i] == '0') i++;
  else
    while (i < count && is_digit(text[i])) i++;
  if (i < count && text[i] == '.') {
    i++;
    if (i >= count || !is_digit(text[i])) return 0;
    while (i < count && is_digit(text[i])) i++;
  }
  if (i < count && (text[i] | 0x20) == 'e') return 0;
  return i - start <= 15 ? i : 0;
}

static size_t literal_end(const uint8_t *text, size_t i, size_t count) {
  const char *word = text[i] == 't' ? "true" : text[i] == 'f' ? "false" : "null";
  size_t n = text[i] == 'f' ? 5 : 4;
  return count - i >= n && memcmp(text + i, word, n) == 0 ? i + n : 0;
}

/* The end of the value at text[i] (after its closing quote for a string),
   or 0 when the value is not copied unchanged. */
static size_t plain_value_end(const uint8_t *text, size_t i, size_t count, size_t max_string_length) {
  uint8_t b = text[i];
  if (b == '"') {
    size_t body = i + 1, close = scan_plain_ascii(text, body, count);
    if (close >= count || text[close] != '"') return 0;
    size_t length = close - body;
    if (max_string_length != 0 && length > max_string_length) return 0;
    if (length >= SHORTEST_MATCH && tk_shape_candidates(text + body, length, count - body) != 0) return 0;
    return close + 1;
  }
  if (b == '-' || is_digit(b)) return plain_number_end(text, i, count);
  if (b == 't' || b == 'f' || b == 'n') return literal_end(text, i, count);
  return 0;
}

/* Input bytes taken for the output, copied in as few pieces as possible:
   compact JSON (no whitespace) is one piece per run of members. The output
   is never longer than the input it comes from, so taking nothing past
   text[limit] (start + room at most) keeps it within the room. */
typedef struct {
  const uint8_t *text;
  uint8_t *out;
  size_t written;
  size_t from, to; /* taken, not yet copied: text[from..<to] */
  size_t limit;
} copier;

static inline void flush(copier *c) {
  memcpy(c->out + c->written, c->text + c->from, c->to - c->from);
  c->written += c->to - c->from;
  c->from = c->to;
}

/* Takes text[start..<end] (start >= every earlier end) unless past the limit. */
static inline __attribute__((always_inline)) int take(copier *c, size_t start, size_t end) {
  if (end > c->limit) return 0;
  if (start != c->to) {
    flush(c);
    c->from = start;
  }
  c->to = end;
  return 1;
}

size_t tk_copy_plain_members(const tk_key_cache *cache, const uint8_t *text, size_t count,
                             size_t max_string_length, uint8_t *out, size_t room, tk_member_run *run) {
  size_t i = run->position;
  copier c = {text, out, 0, i, i, room < count - i ? i + room : count};
  run->commas = 0;
  run->key_start = run->key_end = 0;
  run->stopped_at = TK_RUN_AT_KEY;
  for (;;) {
    i = skip_whitespace(text, i, count);
    run->position = i;
    if (i >= count || text[i] != '"') break;
    size_t key_end;
    int decision = tk_key_cache_lookup_string(cache, text, i + 1, count, &key_end);
    if (decision != 0 || (max_string_length != 0 && key_end - (i + 1) > max_string_length)) break;
    /* `"name":` as it stands; the key is the frame's current one from here. */
    if (key_end + 1 >= count || text[key_end + 1] != ':' || !take(&c, i, key_end + 2)) break;
    run->key_start = i + 1;
    run->key_end = key_end;
    i = skip_whitespace(text, key_end + 2, count);
    run->position = i;
    run->stopped_at = TK_RUN_AT_VALUE;
    if (i >= count) break;
    size_t value_end = plain_value_end(text, i, count, max_string_length);
    if (value_end == 0 || !take(&c, i, value_end)) break;
    i = skip_whitespace(text, value_end, count);
    run->position = i;
    run->stopped_at = TK_RUN_AFTER_VALUE;
    if (i >= count || text[i] != ',' || !take(&c, i, i + 1)) break;
    run->commas++;
    i++;
    run->stopped_at = TK_RUN_AT_KEY;
  }
  flush(&c);
  return c.written;
}
