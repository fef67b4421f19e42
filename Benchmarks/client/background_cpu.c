/* CPU each capture costs outside the caller's thread, at a service's pace:
 * a checkpoint every 5 ms (200/s; the default budget of 100/s captures half
 * of them) on one site whose breakpoint is enabled, for SECONDS after a 2 s
 * warm-up. Prints the captures stored and, per capture, the CPU time of the
 * calling thread (its sleeps included), of the library's threads (sender and
 * sync together) and of the tracekit-server process, from the kernel's
 * per-thread run time (/proc/.../schedstat, nanoseconds).
 * Usage: background_cpu <endpoint-url> <api-key> <service> <server-pid> <seconds> */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <tracekit.h>

#include "order_variables.h"

/* Run time so far of each thread of process pid; of thread `only` alone when non-zero. */
static double run_seconds(pid_t pid, pid_t only, pid_t except) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *tasks = opendir(path);
  if (!tasks) return 0;
  double total = 0;
  struct dirent *entry;
  while ((entry = readdir(tasks)) != NULL) {
    pid_t tid = (pid_t)atoi(entry->d_name);
    if (tid == 0 || (only && tid != only) || (except && tid == except)) continue;
    char file[96];
    snprintf(file, sizeof file, "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
    FILE *stat = fopen(file, "r");
    unsigned long long ns = 0;
    if (stat) {
      if (fscanf(stat, "%llu", &ns) != 1) ns = 0;
      fclose(stat);
    }
    total += ns / 1e9;
  }
  closedir(tasks);
  return total;
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static long counter(tk_client *client, const char *name) {
  char *stats = tk_client_stats(client);
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", name);
  const char *at = stats ? strstr(stats, key) : NULL;
  long value = at ? atol(at + strlen(key)) : -1;
  tk_free(stats);
  return value;
}

/* Checkpoints every 5 ms for `seconds`. */
static void checkpoints(tk_site *site, double seconds) {
  const struct timespec pause = {0, 5 * 1000 * 1000};
  double end = now_seconds() + seconds;
  while (now_seconds() < end) {
    if (tk_site_claim(site)) tk_site_capture(site, order_variables, sizeof order_variables - 1, NULL);
    nanosleep(&pause, NULL);
  }
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: background_cpu <endpoint-url> <api-key> <service> <server-pid> <seconds>\n");
    return 2;
  }
  pid_t server = (pid_t)atoi(argv[4]);
  double seconds = atof(argv[5]);
  tk_options *options = tk_options_new();
  if (tk_options_set_endpoint(options, argv[1]) != TK_OK || tk_options_set_api_key(options, argv[2]) != TK_OK ||
      tk_options_set_service_name(options, argv[3]) != TK_OK) {
    fprintf(stderr, "background_cpu: %s\n", tk_last_error());
    return 1;
  }
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) {
    fprintf(stderr, "background_cpu: %s\n", tk_last_error());
    return 1;
  }
  tk_site *site = tk_site_get(client, "checkout", "service.c", 1, "checkout");
  for (int i = 0; i < 100 && !tk_site_active(site); i++) usleep(50 * 1000);
  if (!tk_site_active(site)) {
    fprintf(stderr, "background_cpu: the breakpoint never became active\n");
    return 1;
  }
  checkpoints(site, 2);
  tk_client_flush(client, 5000);

  pid_t self = getpid(), caller = gettid();
  long sent0 = counter(client, "sent");
  double caller0 = run_seconds(self, caller, 0), library0 = run_seconds(self, 0, caller);
  double server0 = run_seconds(server, 0, 0);
  checkpoints(site, seconds);
  tk_client_flush(client, 5000);
  double caller1 = run_seconds(self, caller, 0), library1 = run_seconds(self, 0, caller);
  double server1 = run_seconds(server, 0, 0);
  long sent = counter(client, "sent") - sent0;
  if (sent <= 0) {
    fprintf(stderr, "background_cpu: nothing was sent\n");
    return 1;
  }
  printf("%ld captures sent in %.0f s (%.0f/s); CPU per capture: library threads %.0f us, "
         "tracekit-server %.0f us, calling thread %.0f us (its sleeps included)\n",
         sent, seconds, sent / seconds, (library1 - library0) / sent * 1e6, (server1 - server0) / sent * 1e6,
         (caller1 - caller0) / sent * 1e6);
  tk_client_shutdown(client);
  tk_client_free(client);
  return 0;
}
