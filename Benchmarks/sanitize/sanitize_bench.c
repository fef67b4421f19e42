/* Sanitizer throughput: tk_sanitize_json with all built-in patterns on.
 *   1. a generated ~1 MB realistic JSON document (orders, customers, logs),
 *      a few percent of whose strings hold PII: MB/s over repeated passes;
 *   2. a 1 KB document of the same kind, one call each: ns per call
 *      (median and p99 over many calls).
 * Built against the installed library like any C user (see run.sh). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tracekit.h>

#include "bench_timing.h"

static uint64_t rng_state = 42;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}
static const char *pick(const char **items, size_t n) { return items[rnd() % n]; }

typedef struct { char *data; size_t len, cap; } buf;
static void put(buf *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->data = realloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, s, n + 1);
  b->len += n;
}

static const char *first[] = {"Jane", "John", "Amira", "Wei", "Olga", "Carlos", "Priya", "Tom"};
static const char *last[] = {"Doe", "Smith", "Haddad", "Chen", "Petrova", "Garcia", "Patel", "Nguyen"};
static const char *words[] = {"order", "shipped", "warehouse", "retry", "payment", "accepted", "queue",
                              "latency", "customer", "requested", "refund", "invoice", "cache", "miss"};
static const char *statuses[] = {"pending", "paid", "shipped", "cancelled", "refunded"};

/* One order record; pii_chance in percent. */
static void record(buf *b, int id, int pii_chance) {
  char tmp[512];
  snprintf(tmp, sizeof tmp,
           "{\"id\":\"ord_%d\",\"uuid\":\"%08x-%04x-4%03x-a%03x-%08x%04x\",\"status\":\"%s\",\"total\":%d.%02d,"
           "\"created_at\":\"2026-%02d-%02dT%02d:%02d:%02dZ\",\"ts\":%d,\"customer\":{\"name\":\"%s %s\",\"tier\":%d",
           id, rnd(), rnd() & 0xffff, rnd() & 0xfff, rnd() & 0xfff, rnd(), rnd() & 0xffff, pick(statuses, 5),
           (int)(rnd() % 900), (int)(rnd() % 100), 1 + rnd() % 12, 1 + rnd() % 28, rnd() % 24, rnd() % 60,
           rnd() % 60, 1700000000 + (int)(rnd() % 10000000), pick(first, 8), pick(last, 8), (int)(rnd() % 4));
  put(b, tmp);
  if ((int)(rnd() % 100) < pii_chance) {
    snprintf(tmp, sizeof tmp, ",\"contact\":\"%s.%s@example.com\",\"phone_note\":\"call 555-%03d-%04d\"",
             pick(first, 8), pick(last, 8), rnd() % 1000, rnd() % 10000);
    put(b, tmp);
  }
  put(b, "},\"items\":[");
  int n = 1 + rnd() % 3;
  for (int i = 0; i < n; i++) {
    snprintf(tmp, sizeof tmp, "%s{\"sku\":\"SKU-%05d\",\"qty\":%d,\"price\":%d.%02d,\"version\":\"v%d.%d.%d\"}",
             i ? "," : "", rnd() % 100000, 1 + rnd() % 5, rnd() % 200, rnd() % 100, rnd() % 5, rnd() % 20,
             rnd() % 100);
    put(b, tmp);
  }
  put(b, "],\"log\":\"");
  for (int i = 0; i < 12; i++) {
    put(b, pick(words, 14));
    put(b, " ");
  }
  if ((int)(rnd() % 100) < pii_chance) put(b, "card 4111 1111 1111 1111 ");
  snprintf(tmp, sizeof tmp, "took %dms\",\"trace_id\":\"%08x%08x%08x%08x\"}", rnd() % 900, rnd(), rnd(), rnd(), rnd());
  put(b, tmp);
}

static char *document(size_t target, int pii_chance) {
  buf b = {0};
  put(&b, "{\"service\":\"checkout\",\"orders\":[");
  for (int id = 0; b.len < target - 400; id++) {
    if (id) put(&b, ",");
    record(&b, id, pii_chance);
  }
  put(&b, "]}");
  return b.data;
}

int main(int argc, char **argv) {
  int passes = argc > 1 ? atoi(argv[1]) : 30;
  int calls = argc > 2 ? atoi(argv[2]) : 200000;
  tk_options *options = tk_options_new();
  tk_options_set_max_payload(options, 0); /* measure scrubbing, not the payload marker */
  tk_options_set_capture_depth(options, 0);
  tk_status status;

  char *big = document(1 << 20, 5);
  size_t big_len = strlen(big);
  char *warm = tk_sanitize_json(options, big, big_len, &status);
  if (!warm) { fprintf(stderr, "sanitize failed: %s\n", tk_last_error()); return 1; }
  size_t redacted = 0;
  for (char *p = warm; (p = strstr(p, "[REDACTED:")); p++) redacted++;
  tk_free(warm);
  double best = 1e30;
  for (int i = 0; i < passes; i++) {
    double start = now_ns();
    char *out = tk_sanitize_json(options, big, big_len, &status);
    double elapsed = now_ns() - start;
    tk_free(out);
    if (elapsed < best) best = elapsed;
  }
  printf("1 MB document: %zu bytes, %zu redactions, best of %d passes: %.2f ms = %.0f MB/s\n", big_len, redacted,
         passes, best / 1e6, big_len / (best / 1e9) / 1e6);

  char *small = document(1024, 5);
  size_t small_len = strlen(small);
  double *samples = malloc(sizeof(double) * calls);
  for (int i = 0; i < calls; i++) {
    double start = now_ns();
    char *out = tk_sanitize_json(options, small, small_len, &status);
    samples[i] = now_ns() - start;
    tk_free(out);
  }
  qsort(samples, calls, sizeof(double), compare_doubles);
  printf("1 KB document (%zu bytes): %d calls, median %.0f ns, p99 %.0f ns per call\n", small_len, calls,
         samples[calls / 2], samples[(int)(calls * 0.99)]);
  free(samples);
  free(big);
  free(small);
  tk_options_free(options);
  return 0;
}
