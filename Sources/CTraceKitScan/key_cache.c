/* The per-thread cache of key-name decisions (KeyDecisions.swift).

   Documents repeat a few key names thousands of times (`id`, `email`,
   `created_at` in every record), and so do the documents of one process,
   call after call. What the sanitizer decides for a key name (its class and
   whether any pattern shape is in it) depends on the name alone, so it is
   kept per thread across calls: no lock, and small documents profit too.
   Direct-mapped; a collision replaces the older entry. 16 KB per thread,
   released by the C runtime when the thread exits. */
#include "tk_scan.h"

#include <string.h>

enum { SLOTS = 256 };

typedef struct {
  uint8_t length; /* 0: empty slot */
  uint8_t padding;
  uint16_t decision;
  uint8_t bytes[TK_KEY_CACHE_MAX_LENGTH];
} entry;

struct tk_key_cache {
  entry slots[SLOTS];
};

static _Thread_local tk_key_cache cache;

tk_key_cache *tk_key_cache_for_thread(void) { return &cache; }

static inline uint64_t load_le(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  memcpy(&v, p, n); /* little-endian hosts; elsewhere only the hash differs */
  return v;
}

/* Multiplicative hash of the first and last (up to) 8 bytes and the length. */
static inline size_t slot_of(const uint8_t *key, size_t length) {
  uint64_t head = load_le(key, length < 8 ? length : 8);
  uint64_t tail = length > 8 ? load_le(key + length - 8, 8) : 0;
  uint64_t h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ (length * 0x165667B19E3779F9ULL);
  return (size_t)(h >> 56) % SLOTS;
}

int tk_key_cache_lookup(const tk_key_cache *c, const uint8_t *key, size_t length) {
  if (length == 0 || length > TK_KEY_CACHE_MAX_LENGTH) return -1;
  const entry *e = &c->slots[slot_of(key, length)];
  if (e->length != length || memcmp(e->bytes, key, length) != 0) return -1;
  return e->decision;
}

void tk_key_cache_store(tk_key_cache *c, const uint8_t *key, size_t length, uint16_t decision) {
  if (length == 0 || length > TK_KEY_CACHE_MAX_LENGTH) return;
  entry *e = &c->slots[slot_of(key, length)];
  e->length = (uint8_t)length;
  e->decision = decision;
  memcpy(e->bytes, key, length);
}
