/* N checkpoints of one kind, for instructions.sh (run under callgrind with
 * --toggle-collect on the measured function, so only its own instructions
 * count, whatever the client's threads do meanwhile):
 *   active        tk_site_active on a site without a breakpoint
 *   capture       tk_site_capture of order_variables.h on an active site
 *   claim-max     tk_site_claim, breakpoint enabled, its max_captures spent
 *   claim-budget  tk_site_claim, breakpoint enabled, the process-wide budget
 *                 (max_captures_per_second 1) spent
 * The breakpoints come from the tests' fake backend (fake_backend.py), which
 * never disables one at max_captures as tracekit-server does.
 * Usage: checkpoint_loop <endpoint> <mode> <calls> */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tracekit.h>

#include "bench_timing.h"
#include "order_variables.h"

static int wait_active(const tk_site *site) {
  for (int i = 0; i < 3000 && !tk_site_active(site); i++) nanosleep(&(struct timespec){0, 10000000}, NULL);
  return tk_site_active(site);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <endpoint> active|capture|claim-max|claim-budget <calls>\n", argv[0]);
    return 2;
  }
  const char *mode = argv[2];
  long calls = atol(argv[3]);
  tk_options *options = tk_options_new();
  tk_options_set_api_key(options, "tk_bench_key");
  tk_options_set_service_name(options, "bench");
  tk_options_set_endpoint(options, argv[1]);
  tk_options_set_sse(options, 0);
  tk_options_set_poll_interval_ms(options, 600000); /* the first poll at start is enough */
  tk_options_set_max_queue(options, 1000000);
  tk_options_set_max_captures_per_second(options, strcmp(mode, "claim-budget") == 0 ? 1 : 0);
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) { fprintf(stderr, "tk_client_new: %s\n", tk_last_error()); return 1; }
  const char *label = strcmp(mode, "claim-max") == 0 ? "capped" : "hot";
  tk_site *site = tk_site_get(client, label, "bench.c", 1, "bench");
  tk_site *cold = tk_site_get(client, "cold", "bench.c", 2, "bench");
  if (!wait_active(site)) { fprintf(stderr, "the breakpoint never became active\n"); return 1; }
  int sum = 0;
  if (strcmp(mode, "claim-max") == 0 || strcmp(mode, "claim-budget") == 0)
    sum += tk_site_claim(site) && tk_site_capture(site, order_variables, TK_NUL_TERMINATED, NULL) == TK_OK;
  double start = now_ns();
  if (strcmp(mode, "active") == 0) {
    for (long i = 0; i < calls; i++) sum += tk_site_active(cold);
  } else if (strcmp(mode, "capture") == 0) {
    for (long i = 0; i < calls; i++) sum += tk_site_capture(site, order_variables, TK_NUL_TERMINATED, NULL);
  } else {
    for (long i = 0; i < calls; i++) sum += tk_site_claim(site);
  }
  double elapsed = now_ns() - start;
  char *stats = tk_client_stats(client);
  fprintf(stderr, "%s: %ld calls, %.1f ns per call (sum %d)\nstats %s\n", mode, calls, calls ? elapsed / calls : 0,
          sum, stats);
  tk_free(stats);
  tk_client_free(client);
  return 0;
}
