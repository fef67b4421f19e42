/* Delivery throughput (issue 10, point 4): how many snapshots per second the
 * client delivers to a backend that answers each capture after a delay
 * (stall_backend.py, STALL_MS), and that everything not delivered is counted.
 *
 * One thread captures at a fixed offered rate for a number of seconds; the
 * delivered rate is measured over the steady part (after the first second)
 * from the client's "sent" counter. Then flush (10 s at most), shut down, and the accounting:
 * captured = sent + failed + dropped_queue_full + dropped_circuit_open, and
 * the backend's own count of captures taken = sent.
 *
 * Usage: delivery_bench <stall-url> <budget-per-second (0 = unlimited, -1 = default)>
 *                       <offered-per-second> <seconds> */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tracekit.h>

#include "bench_api.h"
#include "bench_timing.h"

static double now_s(void) { return now_ns() / 1e9; }

static void sleep_until(double when) {
  struct timespec t = {(time_t)when, (long)((when - (time_t)when) * 1e9)};
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
}

/* One numeric member of tk_client_stats' JSON object; -1 when missing. */
static long counter(tk_client *client, const char *name) {
  char *json = tk_client_stats(client);
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", name);
  const char *at = json ? strstr(json, key) : NULL;
  long value = at ? strtol(at + strlen(key), NULL, 10) : -1;
  tk_free(json);
  return value;
}

/* The stub's count of captures it answered; -1 on error. */
static long backend_count(const char *base) {
  response out;
  const char *at = api_call(base, "bench-key", "GET", "/count", NULL, &out) == 200 ? strstr(out.data, "\"captures\":") : NULL;
  return at ? strtol(at + 11, NULL, 10) : -1;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <stall-url> <budget-per-second|0|-1> <offered-per-second> <seconds>\n", argv[0]);
    return 2;
  }
  const char *backend = argv[1];
  double budget = atof(argv[2]), offered = atof(argv[3]), seconds = atof(argv[4]);
  curl_global_init(CURL_GLOBAL_ALL);

  tk_options *options = tk_options_new();
  tk_options_set_api_key(options, "bench-key");
  tk_options_set_service_name(options, "bench");
  tk_options_set_endpoint(options, backend);
  if (budget >= 0) tk_options_set_max_captures_per_second(options, budget); /* else the default (100/s) */
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) { fprintf(stderr, "tk_client_new: %s\n", tk_last_error()); return 1; }
  tk_site *site = tk_site_get(client, "stalled", "bench.c", 1, "bench");
  for (double end = now_s() + 10; !tk_site_active(site) && now_s() < end;) sleep_until(now_s() + 0.01);
  if (!tk_site_active(site)) {
    char *stats = tk_client_stats(client);
    fprintf(stderr, "the stub's breakpoint never became active: %s\n", stats ? stats : "?");
    return 1;
  }

  const char *variables = "{\"order_id\":\"ord_1700000000\",\"total\":129.5,\"items\":3,\"customer\":\"cus_8812\"}";
  double start = now_s(), interval = 1.0 / offered, steady_at = start + 1;
  long offers = 0, steady_sent = -1;
  double steady_start = 0;
  while (now_s() < start + seconds) {
    sleep_until(start + offers * interval);
    tk_site_capture(site, variables, TK_NUL_TERMINATED, NULL);
    offers++;
    if (steady_sent < 0 && now_s() >= steady_at) { steady_sent = counter(client, "sent"); steady_start = now_s(); }
  }
  double steady_end = now_s();
  long sent_at_end = counter(client, "sent");
  int flushed = tk_client_flush(client, 10000) == TK_OK;
  tk_client_shutdown(client); /* what is still queued counts as failed */

  long captured = counter(client, "captured"), sent = counter(client, "sent"), failed = counter(client, "failed");
  long queue_full = counter(client, "dropped_queue_full"), circuit = counter(client, "dropped_circuit_open");
  long budget_skips = counter(client, "suppressed_rate_limit"), retried = counter(client, "retried");
  long taken = backend_count(backend);
  double rate = (sent_at_end - steady_sent) / (steady_end - steady_start);
  printf("budget %s, offered %.0f/s for %.0f s: delivered %.1f snapshots/s (steady, after the first second)\n",
         budget < 0 ? "default (100/s)" : budget == 0 ? "unlimited" : argv[2], offered, seconds, rate);
  printf("  offered %ld: captured %ld, skipped by the budget %ld; sent %ld, failed %ld, dropped queue-full %ld, "
         "dropped circuit-open %ld, retried %ld; flush %s\n",
         offers, captured, budget_skips, sent, failed, queue_full, circuit, retried, flushed ? "ok" : "timed out");
  int accounted = captured == sent + failed + queue_full + circuit && offers == captured + budget_skips;
  printf("  accounting: captured = sent + failed + dropped: %s; backend took %ld = sent: %s\n",
         accounted ? "yes" : "NO", taken, taken == sent ? "yes" : "NO");
  tk_client_free(client);
  return accounted && taken == sent ? 0 : 1;
}
