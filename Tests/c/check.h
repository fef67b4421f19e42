/* A minimal test harness for the C ABI tests: CHECK records a failure and
   goes on; main prints "N passed, N failed" and exits non-zero on failure. */
#ifndef TK_CHECK_H
#define TK_CHECK_H
#include <stdio.h>
#include <string.h>

static int checks_passed, checks_failed;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (cond) {                                                                      \
      checks_passed++;                                                               \
    } else {                                                                         \
      checks_failed++;                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
    }                                                                                \
  } while (0)

#define CHECK_STR_CONTAINS(haystack, needle)                                         \
  do {                                                                               \
    const char *h_ = (haystack);                                                     \
    if (h_ && strstr(h_, (needle))) {                                                \
      checks_passed++;                                                               \
    } else {                                                                         \
      checks_failed++;                                                               \
      fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
              h_ ? h_ : "(null)", (needle));                                         \
    }                                                                                \
  } while (0)

static int check_summary(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, checks_passed, checks_failed);
  return checks_failed == 0 && checks_passed > 0 ? 0 : 1;
}
#endif
