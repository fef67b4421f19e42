#ifndef TK_SCAN_H
#define TK_SCAN_H
/* The sanitizer's C fast paths: byte scans with SIMD (SSE2 on x86-64, a
   portable loop elsewhere) and a per-thread key-decision cache. No
   allocation, thread-safe. Internal to libtracekit (hidden). */
#include <stddef.h>
#include <stdint.h>

#define TK_SCAN_INTERNAL __attribute__((visibility("hidden")))

/* Bits of tk_shape_candidates, in the order of BuiltinPatterns.all. */
enum {
  TK_SHAPE_EMAIL = 1 << 0,
  TK_SHAPE_SSN = 1 << 1,
  TK_SHAPE_CREDIT_CARD = 1 << 2,
  TK_SHAPE_PHONE = 1 << 3,
  TK_SHAPE_AWS_KEY = 1 << 4,
  TK_SHAPE_AWS_SECRET = 1 << 5,
  TK_SHAPE_OAUTH_TOKEN = 1 << 6,
  TK_SHAPE_STRIPE_KEY = 1 << 7,
  TK_SHAPE_PASSWORD = 1 << 8,
  TK_SHAPE_JWT = 1 << 9,
  TK_SHAPE_PRIVATE_KEY = 1 << 10,
  TK_SHAPE_API_KEY = 1 << 11,
};

/* Which built-in PII patterns could match somewhere in text[0..<count]: a
   bit is set whenever the pattern's regex can match (the shape checked is
   a necessary condition of the regex, see shape_filter.c), so a clear bit
   means the pattern need not run. text may be NULL when count is 0.
   readable >= count: how many bytes from text may be read (the rest of the
   enclosing buffer), so that short strings are loaded without a copy. */
TK_SCAN_INTERNAL uint16_t tk_shape_candidates(const uint8_t *text, size_t count, size_t readable);

/* The index of the first byte at or after start that is '"', '\\', a
   control character (< 0x20) or not ASCII (>= 0x80); count if none. */
TK_SCAN_INTERNAL size_t tk_scan_plain_ascii(const uint8_t *text, size_t start, size_t count);

/* The calling thread's key-decision cache (key_cache.c): never NULL, valid
   until the thread exits, for that thread only. */
typedef struct tk_key_cache tk_key_cache;
enum { TK_KEY_CACHE_MAX_LENGTH = 60 };
TK_SCAN_INTERNAL tk_key_cache *tk_key_cache_for_thread(void);

/* The decision stored for key[0..<length], or -1 when none is. */
TK_SCAN_INTERNAL int tk_key_cache_lookup(const tk_key_cache *cache, const uint8_t *key, size_t length);

/* The same for the JSON string body starting at text[start] (after its
   opening quote) when it is plain ASCII (tk_scan_plain_ascii) and ends
   before count: finds the end and the decision in one step. On a hit,
   *end is the index of the closing quote. */
TK_SCAN_INTERNAL int tk_key_cache_lookup_string(const tk_key_cache *cache, const uint8_t *text, size_t start,
                                                size_t count, size_t *end);

/* Remembers decision for key[0..<length] (keys of 1 to
   TK_KEY_CACHE_MAX_LENGTH bytes; others are not kept). */
TK_SCAN_INTERNAL void tk_key_cache_store(tk_key_cache *cache, const uint8_t *key, size_t length, uint16_t decision);

/* Copies the run of plain object members starting at text[run->position]
   (after an object's '{' or ','; whitespace allowed) to out, whitespace
   left out, as the sanitizer would write them (plain_members.c says which
   qualify); at most room bytes. Returns the bytes written and fills run
   with where it stopped. The caller's state must be: writing, scrubbing
   on, no custom pattern. */
typedef enum {
  TK_RUN_AT_KEY,     /* run->position: at the next member's key */
  TK_RUN_AT_VALUE,   /* after a key written with its ':', at its value (normal policy) */
  TK_RUN_AFTER_VALUE /* after a value, at what follows it */
} tk_run_stop;
typedef struct {
  size_t position;            /* in: where to start; out: where the parser goes on */
  tk_run_stop stopped_at;
  size_t commas;              /* the ',' between members copied */
  size_t key_start, key_end;  /* the body of the last key written; key_end 0: none */
} tk_member_run;
TK_SCAN_INTERNAL size_t tk_copy_plain_members(const tk_key_cache *cache, const uint8_t *text, size_t count,
                                              size_t max_string_length, uint8_t *out, size_t room,
                                              tk_member_run *run);

#endif
