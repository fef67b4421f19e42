/* The shape filter: one pass over a string that decides which built-in PII
   patterns could match it, so that PCRE2 runs only where a shape is there
   (docs/PII.md "The shape filter").

   Every check here is a NECESSARY condition of its pattern's regex in
   BuiltinPatterns.swift: the filter may say "maybe" for text the regex
   rejects, never "no" for text it matches. Changing a regex means
   revisiting its shape below (ShapeFilterTests checks both against each
   other on generated text).

   - ssn `\d{3}-\d{2}-\d{4}`: the bytes ddd-dd-dddd.
   - credit_card `\d(?:[ -]?\d){12,18}`: 13 bytes in a row, each a digit or
     a separator between two digits (space, '-', and '.', which the regex
     does not take: looser, so still necessary).
   - phone: alternative 1 starts with `+` and a digit; alternative 2 ends
     with `\d{3}[ .-]\d{4}`.
   - private_key: `-----BEGIN`.
   - the keyword patterns: the literal each needs, found at its rarest byte
     (`@`, the J of eyJ, the A of AKIA/ASIA, w of aws, b of bearer, p of
     api/pass/pwd, _ of _live_/_test_, and + for the phone's `+` digit).

   How: per 64-byte window, bit masks of the byte classes (digit, separator,
   keyword byte) with SSE2, then the digit shapes as shifts and ANDs of
   those masks; the rare keyword bytes are checked one by one. Windows
   overlap by 16 bytes, more than the longest mask shape (13), so a shape
   that straddles one window lies whole in the next. */
#include "tk_scan.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { WINDOW = 64, STRIDE = 48 };

/* Bit i describes byte i of the window. */
typedef struct {
  uint64_t digit;
  uint64_t hyphen;
  /* space, '.' or '-': the separators of phone numbers (and, looser than
     the regex's space or '-', of card numbers). */
  uint64_t separator;
  /* The rare byte of each keyword shape: `@ _ J A + W w B b P p`. */
  uint64_t keyword;
} byte_masks;

#if defined(__SSE2__)
static inline uint64_t bits(__m128i v) { return (uint64_t)(uint16_t)_mm_movemask_epi8(v); }
static inline __m128i eq(__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); }
static inline __m128i or3(__m128i a, __m128i b, __m128i c) { return _mm_or_si128(_mm_or_si128(a, b), c); }

/* Adds the masks of the 16 bytes at p to m, as bits shift to shift + 15. */
static inline void classify_block(const uint8_t *p, unsigned shift, byte_masks *m) {
  __m128i v = _mm_loadu_si128((const __m128i *)p);
  __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8('0'));
  __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(9)), shifted);
  __m128i hyphen = eq(v, '-');
  __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
  __m128i keyword = _mm_or_si128(or3(eq(v, '@'), eq(v, '_'), eq(v, 'J')),
                                 _mm_or_si128(or3(eq(v, 'A'), eq(v, '+'), eq(lower, 'w')),
                                              _mm_or_si128(eq(lower, 'b'), eq(lower, 'p'))));
  m->digit |= bits(digit) << shift;
  m->hyphen |= bits(hyphen) << shift;
  m->separator |= bits(or3(hyphen, eq(v, ' '), eq(v, '.'))) << shift;
  m->keyword |= bits(keyword) << shift;
}
#else
static inline void classify_block(const uint8_t *p, unsigned shift, byte_masks *m) {
  for (unsigned i = 0; i < 16; i++) {
    uint8_t b = p[i], lower = b | 0x20;
    uint64_t bit = 1ULL << (shift + i);
    if (b >= '0' && b <= '9') m->digit |= bit;
    if (b == '-') m->hyphen |= bit;
    if (b == '-' || b == ' ' || b == '.') m->separator |= bit;
    if (b == '@' || b == '_' || b == 'J' || b == 'A' || b == '+' || lower == 'w' || lower == 'b' || lower == 'p')
      m->keyword |= bit;
  }
}
#endif

/* The masks of text[0..<len], len <= WINDOW. Whole 16-byte blocks are read
   in place when `readable` bytes from text may be read, else from a zeroed
   copy; bits past len are cleared either way. */
static inline byte_masks load_masks(const uint8_t *text, size_t len, size_t readable) {
  uint8_t padded[WINDOW];
  size_t whole = (len + 15) & ~(size_t)15;
  if (whole > readable) {
    memset(padded, 0, sizeof padded);
    memcpy(padded, text, len);
    text = padded;
  }
  byte_masks m = {0, 0, 0, 0};
  for (size_t block = 0; block < whole; block += 16) classify_block(text + block, (unsigned)block, &m);
  if (len < WINDOW) {
    uint64_t keep = (1ULL << len) - 1;
    m.digit &= keep, m.hyphen &= keep, m.separator &= keep, m.keyword &= keep;
  }
  return m;
}

/* ssn, credit_card and phone alternative 2, from the masks alone (phone
   alternative 1, `+` and a digit, is a keyword shape). */
static inline uint16_t digit_shapes(byte_masks m) {
  uint64_t d = m.digit;
  if (d == 0) return 0;
  uint16_t found = 0;
  uint64_t d3 = d & d >> 1 & d >> 2, d4 = d3 & d >> 3;
  if (d3 != 0) {
    if (d3 & m.separator >> 3 & d4 >> 4) found |= TK_SHAPE_PHONE;
    if (d3 & m.hyphen >> 3 & d >> 4 & d >> 5 & m.hyphen >> 6 & d4 >> 7) found |= TK_SHAPE_SSN;
  }
  uint64_t joined = d | (m.separator & d << 1 & d >> 1);
  uint64_t run2 = joined & joined >> 1, run4 = run2 & run2 >> 2, run8 = run4 & run4 >> 4;
  if (run8 & run8 >> 5) found |= TK_SHAPE_CREDIT_CARD;
  return found;
}

static int has_prefix(const uint8_t *text, size_t count, size_t i, const char *literal, size_t length) {
  return count - i >= length && memcmp(text + i, literal, length) == 0;
}

/* literal is lower-case ASCII. */
static int has_prefix_caseless(const uint8_t *text, size_t count, size_t i, const char *literal, size_t length) {
  if (count - i < length) return 0;
  for (size_t k = 0; k < length; k++)
    if ((text[i + k] | 0x20) != (uint8_t)literal[k]) return 0;
  return 1;
}

/* The keyword shape at text[i] (one of the keyword bytes), first checked
   on the neighbouring byte so that most hits cost a compare. */
static uint16_t keyword_shape(const uint8_t *text, size_t count, size_t i) {
  uint8_t b = text[i];
  uint8_t next = i + 1 < count ? text[i + 1] : 0, lower_next = next | 0x20;
  uint8_t previous = i > 0 ? text[i - 1] : 0, lower_previous = previous | 0x20;
  switch (b) {
  case '@':
    return TK_SHAPE_EMAIL;
  case 'J': /* eyJ */
    return previous == 'y' && i >= 2 && text[i - 2] == 'e' ? TK_SHAPE_JWT : 0;
  case 'A': /* AKIA, ASIA */
    return (next == 'K' || next == 'S') && (has_prefix(text, count, i, "AKIA", 4) || has_prefix(text, count, i, "ASIA", 4))
               ? TK_SHAPE_AWS_KEY : 0;
  case '+': /* phone, alternative 1 */
    return next >= '0' && next <= '9' ? TK_SHAPE_PHONE : 0;
  case 'W': case 'w': /* aws */
    return lower_previous == 'a' && lower_next == 's' ? TK_SHAPE_AWS_SECRET : 0;
  case 'B': case 'b': /* bearer */
    return lower_next == 'e' && has_prefix_caseless(text, count, i, "bearer", 6) ? TK_SHAPE_OAUTH_TOKEN : 0;
  case 'P': case 'p': /* api, pass, pwd */
    if (lower_previous == 'a' && lower_next == 'i') return TK_SHAPE_API_KEY;
    if (lower_next == 'a') return has_prefix_caseless(text, count, i, "pass", 4) ? TK_SHAPE_PASSWORD : 0;
    return lower_next == 'w' && i + 2 < count && (text[i + 2] | 0x20) == 'd' ? TK_SHAPE_PASSWORD : 0;
  case '_': /* _live_, _test_ */
    if (lower_next != 'l' && lower_next != 't') return 0;
    return has_prefix(text, count, i, "_live_", 6) || has_prefix(text, count, i, "_test_", 6) ? TK_SHAPE_STRIPE_KEY : 0;
  default:
    return 0;
  }
}

/* The shapes of the window text[start..<start + length]: the mask shapes,
   and the byte-by-byte checks at the keyword bytes this window owns. */
static inline uint16_t window_shapes(const uint8_t *text, size_t count, size_t readable, size_t start, size_t length,
                                     uint64_t owned) {
  byte_masks m = load_masks(text + start, length, readable - start);
  uint16_t found = digit_shapes(m);
  uint64_t h = m.hyphen, dashes = h & h >> 1 & h >> 2 & h >> 3 & h >> 4;
  for (uint64_t rare = (m.keyword | dashes) & owned; rare != 0; rare &= rare - 1) {
    size_t i = start + (size_t)__builtin_ctzll(rare);
    if (text[i] == '-') {
      if (has_prefix(text, count, i, "-----BEGIN", 10)) found |= TK_SHAPE_PRIVATE_KEY;
    } else {
      found |= keyword_shape(text, count, i);
    }
  }
  return found;
}

uint16_t tk_shape_candidates(const uint8_t *text, size_t count, size_t readable) {
  if (count <= WINDOW) return window_shapes(text, count, readable, 0, count, ~0ULL);
  uint16_t found = 0;
  for (size_t start = 0;; start += STRIDE) {
    if (count - start <= WINDOW) return found | window_shapes(text, count, readable, start, count - start, ~0ULL);
    /* The overlap belongs to the next window. */
    found |= window_shapes(text, count, readable, start, WINDOW, (1ULL << STRIDE) - 1);
  }
}
