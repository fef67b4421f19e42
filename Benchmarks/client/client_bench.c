/* Client benchmarks (issue 3 item 10), built against the installed library:
 *   1. tk_site_active on an inactive site: ns per call;
 *   2. tk_site_capture on an active site with ~1 KB of variables: median/p99;
 *   3. the same while the backend stalls every capture by 200 ms;
 *   4. breakpoint change on the server -> site state flips over SSE: p50/p99;
 *   5. tk_site_claim when the capture is suppressed (max_captures reached,
 *      process-wide budget spent) beside tk_site_active on an inactive site.
 * Usage: client_bench <server-url> <admin-key> <stall-backend-url> */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tracekit.h>

#include "bench_api.h"
#include "bench_timing.h"
#include "order_variables.h"

static tk_client *client_for_rate(const char *endpoint, const char *key, const char *service, double rate) {
  tk_options *options = tk_options_new();
  tk_options_set_api_key(options, key);
  tk_options_set_service_name(options, service);
  tk_options_set_endpoint(options, endpoint);
  tk_options_set_poll_interval_ms(options, 1000);
  tk_options_set_max_queue(options, 100000);
  tk_options_set_max_captures_per_second(options, rate);
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) fprintf(stderr, "tk_client_new: %s\n", tk_last_error());
  return client;
}

static tk_client *client_for(const char *endpoint, const char *key, const char *service) {
  return client_for_rate(endpoint, key, service, 0);
}

static int wait_state(const tk_site *site, int wanted, double timeout_ms) {
  double end = now_ns() + timeout_ms * 1e6;
  while (now_ns() < end)
    if (tk_site_active(site) == wanted) return 1;
  return 0;
}

static void measure_captures(tk_site *site, int n, const char *title) {
  double *samples = malloc(sizeof(double) * n);
  int queue_full = 0;
  for (int i = 0; i < n; i++) {
    double start = now_ns();
    tk_status status = tk_site_capture(site, order_variables, TK_NUL_TERMINATED, NULL);
    samples[i] = now_ns() - start;
    if (status == TK_ERR_QUEUE_FULL) queue_full++;
  }
  printf("%s: %d captures of %zu-byte variables, median %.1f us, p99 %.1f us (queue full: %d)\n", title, n,
         strlen(order_variables), percentile(samples, n, 0.5) / 1e3, percentile(samples, n, 0.99) / 1e3, queue_full);
  free(samples);
}

/* ns per call of f(site) over calls calls. */
static double ns_per_call(int (*f)(const tk_site *), const tk_site *site, long calls, int *sum) {
  double start = now_ns();
  for (long i = 0; i < calls; i++) *sum += f(site);
  return (now_ns() - start) / calls;
}

static int claim(const tk_site *site) { return tk_site_claim((tk_site *)site); }

/* 5. A suppressed claim beside an inactive tk_site_active, in the same run. */
static void measure_suppressed_claims(const char *server, const char *key, tk_site *cold) {
  response out;
  if (api_call(server, key, "POST", "/api/breakpoints",
          "{\"service_name\":\"bench\",\"file_path\":\"bench.c\",\"line_number\":3,\"function_name\":\"bench\","
          "\"label\":\"capped\",\"enabled\":true,\"max_captures\":1}", &out) / 100 != 2) {
    fprintf(stderr, "could not create the capped breakpoint: %s\n", out.data);
    return;
  }
  tk_client *limited = client_for_rate(server, key, "bench", 1); /* a budget of one capture per second */
  tk_site *capped = tk_site_get(limited, "capped", "bench.c", 3, "bench");
  tk_site *hot = tk_site_get(limited, "hot", "bench.c", 1, "bench");
  if (!wait_state(capped, 1, 5000) || !wait_state(hot, 1, 5000)) {
    fprintf(stderr, "claim: breakpoints never became active\n");
    tk_client_free(limited);
    return;
  }
  if (tk_site_claim(capped)) tk_site_capture(capped, order_variables, TK_NUL_TERMINATED, NULL); /* spends max_captures */
  long calls = 10000000;
  int sum = 0;
  double inactive = ns_per_call(tk_site_active, cold, calls, &sum);
  double by_max = ns_per_call(claim, capped, calls, &sum);
  double by_budget = ns_per_call(claim, hot, calls, &sum); /* at most ~1 claim a second is granted */
  /* tracekit-server disables a breakpoint at max_captures: the capped site is then inactive. */
  printf("tk_site_claim: %.1f ns suppressed by the rate budget, %.1f ns at max_captures (disabled by the server); "
         "tk_site_active inactive %.1f ns (same run, %ld calls each, %d granted)\n", by_budget, by_max, inactive,
         calls, sum);
  char *stats = tk_client_stats(limited);
  printf("claim client stats: %s\n", stats);
  tk_free(stats);
  tk_client_free(limited);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <server-url> <admin-key> <stall-url>\n", argv[0]);
    return 2;
  }
  const char *server = argv[1], *key = argv[2], *stall = argv[3];
  curl_global_init(CURL_GLOBAL_DEFAULT);
  response out;
  if (api_call(server, key, "POST", "/api/breakpoints",
          "{\"service_name\":\"bench\",\"file_path\":\"bench.c\",\"line_number\":1,\"function_name\":\"bench\","
          "\"label\":\"hot\",\"enabled\":true}", &out) / 100 != 2) {
    fprintf(stderr, "could not create a breakpoint: %s\n", out.data);
    return 1;
  }
  char id[128] = {0};
  string_field(out.data, "id", id, sizeof id);

  tk_client *client = client_for(server, key, "bench");
  if (!client) return 1;
  tk_site *hot = tk_site_get(client, "hot", "bench.c", 1, "bench");
  tk_site *cold = tk_site_get(client, "cold", "bench.c", 2, "bench");
  if (!wait_state(hot, 1, 5000)) { fprintf(stderr, "breakpoint never became active\n"); return 1; }

  /* 1. inactive site */
  long calls = 200000000;
  int sum = 0;
  double start = now_ns();
  for (long i = 0; i < calls; i++) sum += tk_site_active(cold);
  double elapsed = now_ns() - start;
  printf("tk_site_active (inactive): %.2f ns per call over %ld calls (sum %d)\n", elapsed / calls, calls, sum);

  /* 2. active captures against tracekit-server */
  measure_captures(hot, 20000, "tk_site_capture (active, tracekit-server)");
  /* Section 4 times a change on an otherwise idle server: every capture must be
     stored first. A slower (debug) server still ingesting them would make the
     PATCH queue behind capture batches and the change feed's read-backs. */
  double drain_start = now_ns();
  if (tk_client_flush(client, 120000) != TK_OK) fprintf(stderr, "captures not all sent within 120 s\n");
  printf("captures sent to tracekit-server in %.1f s after the last call\n", (now_ns() - drain_start) / 1e9);

  measure_suppressed_claims(server, key, cold);

  /* 4. breakpoint change -> site state over SSE */
  int changes = 200;
  double *latency = malloc(sizeof(double) * changes);
  char path[256];
  snprintf(path, sizeof path, "/api/breakpoints/%s", id);
  int measured = 0;
  for (int i = 0; i < changes; i++) {
    int enable = i % 2;  /* start by disabling */
    double begin = now_ns();
    api_call(server, key, "PATCH", path, enable ? "{\"enabled\":true}" : "{\"enabled\":false}", &out);
    if (!wait_state(hot, enable, 5000)) { fprintf(stderr, "change %d not seen within 5 s\n", i); continue; }
    latency[measured++] = now_ns() - begin;
  }
  printf("breakpoint change -> site state over SSE: %d changes, p50 %.2f ms, p99 %.2f ms (includes the API call)\n",
         measured, percentile(latency, measured, 0.5) / 1e6, percentile(latency, measured, 0.99) / 1e6);
  char *stats = tk_client_stats(client);
  printf("client stats: %s\n", stats);
  tk_free(stats);
  tk_client_free(client);

  /* 3. active captures while every capture POST stalls 200 ms */
  tk_client *stalled = client_for(stall, "bench-key", "bench");
  tk_site *slow = tk_site_get(stalled, "stalled", "bench.c", 1, "bench");
  if (!wait_state(slow, 1, 5000)) { fprintf(stderr, "stall backend breakpoint never active\n"); return 1; }
  measure_captures(slow, 20000, "tk_site_capture (active, backend stalls 200 ms)");
  double free_start = now_ns();
  tk_client_free(stalled);
  printf("tk_client_free with a stalled backend and a full queue: %.0f ms (capture_timeout 5000 ms)\n",
         (now_ns() - free_start) / 1e6);
  free(latency);
  return 0;
}
