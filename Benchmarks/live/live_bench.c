/* How fast a change goes live on a service started with DEFAULT options
 * (30 s poll interval), measured end to end against tracekit-server
 * (issue 10, point 1). A worker thread hits a checkpoint every millisecond;
 * the main thread changes things through the management API and watches the
 * server's store for the first snapshot that results. Per trial kind, p50,
 * p99 and max over N trials:
 *   enable:  PATCH a disabled breakpoint to enabled  -> first snapshot stored
 *   new:     first hit of a new checkpoint           -> a snapshot (from a later hit) stored
 *   resume:  kill switch off                         -> captures stored again
 * A trial over 250 ms (every trial with LIVE_BENCH_VERBOSE set) prints its
 * steps' times and what the client did meanwhile (retries, SSE reconnects,
 * polls), so an outlier says where its time went.
 * Usage: live_bench <server-url> <admin-key> [trials] */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tracekit.h>

#include "bench_api.h"
#include "bench_timing.h"

#define SERVICE "live-bench"
#define FUNCTION "bench_loop"
#define SITE_FILE "src/bench/live_bench.c"
/* Each label its own line, as distinct checkpoints are in real code: labels
   sharing one file:line would also match each other's breakpoints by
   location (docs/PROTOCOL.md matching falls back to file:line), so a trial's
   snapshots could carry an earlier trial's breakpoint id. */
static int line_of(const char *label) {
  unsigned hash = 5381;
  while (*label) hash = hash * 33 + (unsigned char)*label++;
  return 42 + (int)(hash % 100000);
}
#define SITE_LINE line_of(label)

static const char *server, *admin_key;

static double now_ms(void) { return now_ns() / 1e6; }

static void sleep_ms(double ms) {
  struct timespec t = {(time_t)(ms / 1e3), (long)((ms - (time_t)(ms / 1e3) * 1e3) * 1e6)};
  nanosleep(&t, NULL);
}

static double slowest_api_ms;  /* the slowest management API call since the trial began */

/* A management API call with the admin key; returns the HTTP status. */
static long api(const char *method, const char *path, const char *body, response *out) {
  double began = now_ms();
  long status = api_call(server, admin_key, method, path, body, out);
  if (now_ms() - began > slowest_api_ms) slowest_api_ms = now_ms() - began;
  return status;
}

/* ---- the service: a worker hitting the current label every millisecond ---- */

static tk_client *client;
static char current_label[64];
static pthread_mutex_t label_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int running = 1;

static void hit(const char *label) {
  tk_capture(client, label, SITE_FILE, SITE_LINE, FUNCTION, "{\"order_id\": 7, \"amount\": 12.5}",
             TK_NUL_TERMINATED, NULL);
}

static void *worker(void *unused) {
  (void)unused;
  char label[64];
  while (atomic_load(&running)) {
    pthread_mutex_lock(&label_lock);
    memcpy(label, current_label, sizeof label);
    pthread_mutex_unlock(&label_lock);
    if (label[0]) hit(label);
    sleep_ms(1);
  }
  return NULL;
}

static void set_label(const char *label) {
  pthread_mutex_lock(&label_lock);
  snprintf(current_label, sizeof current_label, "%s", label);
  pthread_mutex_unlock(&label_lock);
}

/* ---- watching the store ---- */

/* Polls `done` every 2 ms for up to 10 s; returns the time it became true, or -1. */
static double wait_until(int (*done)(const void *), const void *arg) {
  double end = now_ms() + 10000;
  while (now_ms() < end) {
    if (done(arg)) return now_ms();
    sleep_ms(2);
  }
  return -1;
}

static int has_snapshot_of_breakpoint(const void *id) {
  char path[256];
  response r;
  snprintf(path, sizeof path, "/api/snapshots?breakpoint_id=%s&limit=1", (const char *)id);
  return api("GET", path, NULL, &r) == 200 && strstr(r.data, "\"snapshots\":[]") == NULL;
}

static int latest_snapshot_has_label(const void *label) {
  response r;
  char wanted[96];
  snprintf(wanted, sizeof wanted, "\"label\":\"%s\"", (const char *)label);
  return api("GET", "/api/snapshots?service=" SERVICE "&limit=1", NULL, &r) == 200 && strstr(r.data, wanted);
}

typedef struct { const char *id; int before; } count_watch;

static int capture_count(const char *id) {
  char path[256];
  response r;
  snprintf(path, sizeof path, "/api/breakpoints/%s", id);
  if (api("GET", path, NULL, &r) != 200) return -1;
  const char *field = strstr(r.data, "\"capture_count\":");
  return field ? atoi(field + strlen("\"capture_count\":")) : -1;
}

static int count_grew(const void *arg) {
  const count_watch *watch = arg;
  return capture_count(watch->id) > watch->before;
}

static int kill_switch_seen(int on) {
  char *stats = tk_client_stats(client);
  int seen = stats && strstr(stats, on ? "\"kill_switch\":true" : "\"kill_switch\":false") != NULL;
  tk_free(stats);
  return seen;
}

/* ---- what the client did during a trial ---- */

static long stat_of(const char *stats, const char *name) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", name);
  const char *at = stats ? strstr(stats, key) : NULL;
  return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

typedef struct { long retried, failed, sse_connects, polls, registrations, sent; } counters;

static counters client_counters(void) {
  char *stats = tk_client_stats(client);
  counters c = {stat_of(stats, "retried"), stat_of(stats, "failed"), stat_of(stats, "sse_connects"),
                stat_of(stats, "polls"), stat_of(stats, "registrations"), stat_of(stats, "sent")};
  tk_free(stats);
  return c;
}

/* Prints a trial's steps (ms since its start) when it is slow or verbose is on. */
static void trace(const char *kind, int trial, double total, const char *steps, counters before) {
  if (total <= 250 && !getenv("LIVE_BENCH_VERBOSE")) return;
  counters after = client_counters();
  fprintf(stderr, "%s %d: %.1f ms (%s); meanwhile retried %ld, failed %ld, SSE connects %ld, polls %ld, sent %ld; "
          "slowest API call %.1f ms\n", kind, trial, total, steps, after.retried - before.retried,
          after.failed - before.failed, after.sse_connects - before.sse_connects, after.polls - before.polls,
          after.sent - before.sent, slowest_api_ms);
}

/* Waits (1 ms steps, up to 10 s) until the client has sent more than `sent`; returns the time. */
static double wait_sent(long sent) {
  double end = now_ms() + 10000;
  while (client_counters().sent <= sent && now_ms() < end) sleep_ms(1);
  return now_ms();
}

/* Waits (1 ms steps, up to 10 s) until the site is active; returns the time. */
static double wait_active(const tk_site *site) {
  double end = now_ms() + 10000;
  while (!tk_site_active(site) && now_ms() < end) sleep_ms(1);
  return now_ms();
}

/* ---- trials ---- */

static void report(const char *title, double *samples, int n, int missed) {
  qsort(samples, n, sizeof(double), compare_doubles);
  printf("%-44s n=%d  p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  missed %d\n", title, n,
         n ? samples[n / 2] : -1, n ? samples[(int)(0.99 * (n - 1) + 0.5)] : -1, n ? samples[n - 1] : -1, missed);
}

static char *create_breakpoint(const char *label, int enabled, char *id, size_t size) {
  char body[256];
  response r;
  snprintf(body, sizeof body,
           "{\"service_name\":\"" SERVICE "\",\"function_name\":\"" FUNCTION "\",\"label\":\"%s\",\"enabled\":%s}",
           label, enabled ? "true" : "false");
  if (api("POST", "/api/breakpoints", body, &r) != 201 || !string_field(r.data, "id", id, size)) {
    fprintf(stderr, "create breakpoint: %s\n", r.data);
    return NULL;
  }
  return id;
}

static void trial_enable(int trials) {
  double *samples = calloc(trials, sizeof(double));
  int n = 0, missed = 0;
  for (int i = 0; i < trials; i++) {
    char label[64], id[64], path[128];
    response r;
    snprintf(label, sizeof label, "enable-%d", i);
    if (!create_breakpoint(label, 0, id, sizeof id)) { missed++; continue; }
    set_label(label);
    sleep_ms(300);  /* the site is hit (and registers) while its breakpoint is disabled */
    snprintf(path, sizeof path, "/api/breakpoints/%s", id);
    tk_site *site = tk_site_get(client, label, SITE_FILE, SITE_LINE, FUNCTION);
    counters before = client_counters();
    slowest_api_ms = 0;
    double start = now_ms();
    api("PATCH", path, "{\"enabled\":true}", &r);
    double patched = now_ms();
    double active = wait_active(site);
    double sent = wait_sent(before.sent);
    double stored = wait_until(has_snapshot_of_breakpoint, id);
    char steps[200];
    snprintf(steps, sizeof steps, "PATCH answered %.1f, site active %.1f, first sent %.1f, stored %.1f",
             patched - start, active - start, sent - start, stored - start);
    trace("enable", i, stored - start, steps, before);
    if (stored < 0) missed++; else samples[n++] = stored - start;
    set_label("");
  }
  report("enable breakpoint -> first snapshot stored", samples, n, missed);
  free(samples);
}

static void trial_new_checkpoint(int trials) {
  double *samples = calloc(trials, sizeof(double));
  int n = 0, missed = 0;
  for (int i = 0; i < trials; i++) {
    char label[64];
    snprintf(label, sizeof label, "new-%d", i);
    counters before = client_counters();
    slowest_api_ms = 0;
    double first = now_ms();
    hit(label);        /* the first hit: inactive, registers the site */
    set_label(label);  /* later hits every millisecond */
    while (client_counters().registrations <= before.registrations && now_ms() - first < 10000) sleep_ms(1);
    double registered = now_ms();
    double active = wait_active(tk_site_get(client, label, SITE_FILE, SITE_LINE, FUNCTION));
    double sent = wait_sent(before.sent);
    double stored = wait_until(latest_snapshot_has_label, label);
    char steps[200];
    snprintf(steps, sizeof steps, "registered %.1f, site active %.1f, first sent %.1f, stored %.1f",
             registered - first, active - first, sent - first, stored - first);
    trace("new", i, stored - first, steps, before);
    if (stored < 0) missed++; else samples[n++] = stored - first;
    set_label("");
    sleep_ms(50);
  }
  report("first hit of a new checkpoint -> snapshot", samples, n, missed);
  free(samples);
}

static void trial_kill_switch_off(int trials) {
  double *samples = calloc(trials, sizeof(double));
  int n = 0, missed = 0;
  char id[64];
  response r;
  if (!create_breakpoint("resume", 1, id, sizeof id)) return;
  set_label("resume");
  for (int i = 0; i < trials; i++) {
    api("POST", "/api/services/" SERVICE "/kill-switch", "{\"enabled\":true}", &r);
    while (!kill_switch_seen(1)) sleep_ms(2);
    sleep_ms(300);  /* snapshots sent before the switch have landed */
    count_watch watch = {id, capture_count(id)};
    counters before = client_counters();
    slowest_api_ms = 0;
    double start = now_ms();
    api("POST", "/api/services/" SERVICE "/kill-switch", "{\"enabled\":false}", &r);
    double posted = now_ms();
    while (!kill_switch_seen(0) && now_ms() - start < 10000) sleep_ms(1);
    double seen = now_ms();
    double sent = wait_sent(before.sent);
    double stored = wait_until(count_grew, &watch);
    char steps[200];
    snprintf(steps, sizeof steps, "POST answered %.1f, client saw it %.1f, first sent %.1f, stored %.1f",
             posted - start, seen - start, sent - start, stored - start);
    trace("resume", i, stored - start, steps, before);
    if (stored < 0) missed++; else samples[n++] = stored - start;
  }
  set_label("");
  report("kill switch off -> captures resume", samples, n, missed);
  free(samples);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <server-url> <admin-key> [trials]\n", argv[0]);
    return 2;
  }
  server = argv[1];
  admin_key = argv[2];
  int trials = argc > 3 ? atoi(argv[3]) : 50;
  curl_global_init(CURL_GLOBAL_DEFAULT);

  /* DEFAULT options: only what a service must say (30 s poll, SSE on). */
  tk_options *options = tk_options_new();
  tk_options_set_api_key(options, admin_key);
  tk_options_set_service_name(options, SERVICE);
  tk_options_set_endpoint(options, server);
  client = tk_client_new(options);
  tk_options_free(options);
  if (!client) {
    fprintf(stderr, "tk_client_new: %s\n", tk_last_error());
    return 1;
  }
  pthread_t thread;
  pthread_create(&thread, NULL, worker, NULL);
  sleep_ms(500);  /* the client's first poll */

  printf("live_bench: %d trials each, tracekit-server %s, client with default options\n", trials, server);
  trial_enable(trials);
  trial_new_checkpoint(trials);
  trial_kill_switch_off(trials);

  atomic_store(&running, 0);
  pthread_join(thread, NULL);
  char *stats = tk_client_stats(client);
  printf("client stats: %s\n", stats ? stats : "?");
  tk_free(stats);
  tk_client_free(client);
  return 0;
}
