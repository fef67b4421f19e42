/* CPU an idle client uses: a client with no capture to make, left alone for
 * 3 s after a 1 s start; prints the process's CPU time over those 3 s
 * (getrusage: user + system, all threads) as a share of one core.
 * Usage: idle_cpu <endpoint-url> <api-key> <sse 0|1> */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <tracekit.h>

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void sleep_seconds(time_t seconds) {
  struct timespec duration = {seconds, 0};
  while (nanosleep(&duration, &duration) != 0) {}
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: idle_cpu <endpoint-url> <api-key> <sse 0|1>\n");
    return 2;
  }
  tk_options *options = tk_options_new();
  if (tk_options_set_endpoint(options, argv[1]) != TK_OK || tk_options_set_api_key(options, argv[2]) != TK_OK ||
      tk_options_set_service_name(options, "idle-cpu") != TK_OK || tk_options_set_sse(options, atoi(argv[3])) != TK_OK) {
    fprintf(stderr, "idle_cpu: %s\n", tk_last_error());
    return 1;
  }
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (client == NULL) {
    fprintf(stderr, "idle_cpu: %s\n", tk_last_error());
    return 1;
  }
  sleep_seconds(1);  // the first poll
  double start = cpu_seconds();
  sleep_seconds(3);
  double used = cpu_seconds() - start;
  printf("endpoint %s, sse %s: %.3f s CPU in 3 s (%.1f %% of one core)\n", argv[1], argv[3], used, used / 3 * 100);
  tk_client_shutdown(client);
  tk_client_free(client);
  return 0;
}
