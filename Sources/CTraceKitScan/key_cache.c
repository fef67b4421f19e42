/* The per-thread cache of key-name decisions (KeyDecisions.swift).

   Documents repeat a few key names thousands of times (`id`, `email`,
   `created_at` in every record), and so do the documents of one process,
   call after call. What the sanitizer decides for a key name (its class and
   whether any pattern shape is in it) depends on the name alone, so it is
   kept per thread across calls: no lock, and small documents profit too.
   Two-way set associative (two keys that hash alike, such as two key names
   of every record, do not evict each other); a third replaces the older
   entry of the pair. 16 KB per thread,
   released by the C runtime when the thread exits. */
#include "tk_scan.h"
#include "plain_ascii.h"

#include <string.h>

enum { SLOTS = 256 };

/* A key is compared through two 64-bit words that together hold all of a
   key of up to 16 bytes (see words_of), and its bytes for longer keys. */
typedef struct {
  uint64_t head, tail;
  uint8_t length; /* 0: empty slot */
  uint8_t padding;
  uint16_t decision;
  uint8_t rest[TK_KEY_CACHE_MAX_LENGTH - 16]; /* bytes 16... of longer keys */
} entry;

struct tk_key_cache {
  entry slots[SLOTS];
};

static _Thread_local tk_key_cache cache;

tk_key_cache *tk_key_cache_for_thread(void) { return &cache; }

static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Two words that, with the length, determine key[0..<min(length, 16)]:
   overlapping loads, no byte loop. */
static inline void words_of(const uint8_t *key, size_t length, uint64_t *head, uint64_t *tail) {
  if (length >= 8) {
    *head = load64(key);
    *tail = load64(key + (length <= 16 ? length - 8 : 8));
  } else if (length >= 4) {
    *head = load32(key) | (uint64_t)load32(key + length - 4) << 32;
    *tail = 0;
  } else {
    *head = key[0] | (uint64_t)key[length / 2] << 8 | (uint64_t)key[length - 1] << 16;
    *tail = 0;
  }
}

/* The index of the first slot of the key's pair. */
static inline size_t pair_of(uint64_t head, uint64_t tail, size_t length) {
  uint64_t h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ (length * 0x165667B19E3779F9ULL);
  return (size_t)(h >> 57) % (SLOTS / 2) * 2;
}

static inline int matches(const entry *e, const uint8_t *key, size_t length, uint64_t head, uint64_t tail) {
  return e->length == length && e->head == head && e->tail == tail &&
         (length <= 16 || memcmp(e->rest, key + 16, length - 16) == 0);
}

__attribute__((always_inline)) static inline int lookup(const tk_key_cache *c, const uint8_t *key, size_t length) {
  if (length == 0 || length > TK_KEY_CACHE_MAX_LENGTH) return -1;
  uint64_t head, tail;
  words_of(key, length, &head, &tail);
  const entry *pair = &c->slots[pair_of(head, tail, length)];
  if (matches(&pair[0], key, length, head, tail)) return pair[0].decision;
  if (matches(&pair[1], key, length, head, tail)) return pair[1].decision;
  return -1;
}

void tk_key_cache_store(tk_key_cache *c, const uint8_t *key, size_t length, uint16_t decision) {
  if (length == 0 || length > TK_KEY_CACHE_MAX_LENGTH) return;
  uint64_t head, tail;
  words_of(key, length, &head, &tail);
  entry *pair = &c->slots[pair_of(head, tail, length)];
  /* The newest entry of a pair sits first; the older one moves second, and
     the one that was second is dropped. */
  pair[1] = pair[0];
  entry *e = &pair[0];
  e->head = head;
  e->tail = tail;
  e->length = (uint8_t)length;
  e->decision = decision;
  if (length > 16) memcpy(e->rest, key + 16, length - 16);
}

int tk_key_cache_lookup(const tk_key_cache *c, const uint8_t *key, size_t length) {
  return lookup(c, key, length);
}

int tk_key_cache_lookup_string(const tk_key_cache *c, const uint8_t *text, size_t start, size_t count, size_t *end) {
  size_t close = scan_plain_ascii(text, start, count);
  if (close >= count || text[close] != '"') return -1;
  int decision = lookup(c, text + start, close - start);
  if (decision >= 0) *end = close;
  return decision;
}
