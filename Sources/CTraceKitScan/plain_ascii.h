/* The string scanner's loop, inlined where it runs per key
   (key_cache.c) and exported once (string_scan.c). Internal header. */
#ifndef TK_SCAN_PLAIN_ASCII_H
#define TK_SCAN_PLAIN_ASCII_H
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* See tk_scan_plain_ascii in tk_scan.h. */
static inline size_t scan_plain_ascii(const uint8_t *text, size_t start, size_t count) {
  size_t i = start;
#if defined(__SSE2__)
  for (; i + 16 <= count; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(text + i));
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    __m128i special = _mm_or_si128(_mm_or_si128(quote, backslash), control);
    /* movemask of v itself: the bytes >= 0x80. */
    unsigned hits = (unsigned)_mm_movemask_epi8(special) | (unsigned)_mm_movemask_epi8(v);
    if (hits) return i + (size_t)__builtin_ctz(hits);
  }
#endif
  for (; i < count; i++) {
    uint8_t b = text[i];
    if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) return i;
  }
  return count;
}

#endif
