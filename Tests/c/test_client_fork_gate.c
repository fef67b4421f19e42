/* The fork gate (tracekit.h "fork()"): a pre-fork server forks right after
   making its client, while that client's threads start up (the moment they
   run the Swift runtime's and libcurl's one-time steps). fork() waits until
   no library thread is inside a step of work, so every child's NEW client
   syncs and sends; none is left waiting on a step the fork cut in half.

   200 rounds: a new client (polling or streaming over SSE), fork() at once
   (or after a short random delay), while three threads capture through a
   long-lived client whose sender and SSE stream are busy. Children run a few at a time; each
   makes its own client and must see the breakpoint and deliver a capture
   within a bound. Then 60 fresh processes ("masters") that each make a
   client and fork at once: there the fork lands in the library threads'
   FIRST poll, SSE parse or send, where the one-time steps are (without
   the gate 1-7 of 60 children never synced). Needs the fake backend
   (fake_backend.h). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <tracekit.h>
#include <unistd.h>

#include "check.h"
#include "fake_backend.h"

#define LABEL "gate"
#define FILE_PATH "gate.c"
#define FUNCTION "fork_gate_test"
#define ROUNDS 200
#define CHILDREN_AT_ONCE 6
#define CHILD_BOUND_MS 8000

static volatile int capturing;

static void *capture_loop(void *argument) {
  tk_client *client = argument;
  tk_site *site = tk_site_get(client, LABEL, FILE_PATH, 1, FUNCTION);
  while (__atomic_load_n(&capturing, __ATOMIC_RELAXED)) {
    (void)tk_site_capture(site, "{\"in\":\"parent\"}", TK_NUL_TERMINATED, NULL);
    sleep_ms(20);
  }
  return NULL;
}

/* The child: a client of its own must sync (the breakpoint turns active)
   and send its capture. Exit status 0 when it did; an alarm kills a child
   whose client hangs (what a fork without the gate could leave). */
static void child_syncs_and_sends(int sse) {
  alarm(CHILD_BOUND_MS / 1000 + 2);
  tk_client *client = new_backend_client_sse(0, sse);
  if (!client) _exit(3);
  tk_site *site = tk_site_get(client, LABEL, FILE_PATH, 1, FUNCTION);
  for (double end = now_ms() + CHILD_BOUND_MS / 2; !tk_site_active(site) && now_ms() < end;) sleep_ms(5);
  if (!tk_site_active(site)) _exit(4);
  if (tk_site_capture(site, "{\"from\":\"gated-child\"}", TK_NUL_TERMINATED, NULL) != TK_OK) _exit(5);
  if (tk_client_flush(client, CHILD_BOUND_MS / 2) != TK_OK) _exit(6);
  char *stats = tk_client_stats(client);
  int sent = stat_value(stats, "sent") == 1;
  tk_free(stats);
  tk_client_free(client);
  _exit(sent ? 0 : 7);
}

typedef struct {
  int ok, hung, failed;
  int by_status[8];
} outcomes;

static void record(outcomes *seen, pid_t child, double started_ms) {
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (now_ms() - started_ms > CHILD_BOUND_MS + 3000) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      seen->hung++;
      return;
    }
    sleep_ms(2);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    seen->ok++;
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
    seen->hung++;
  } else {
    seen->failed++;
    if (WIFEXITED(status) && WEXITSTATUS(status) < 8) seen->by_status[WEXITSTATUS(status)]++;
  }
}

static void test_every_child_of_a_fresh_client_syncs_and_sends(void) {
  char *reply = backend_request("POST", "/_control/sse", "{\"enabled\": true}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);
  reply = backend_request(
      "POST", "/_control/breakpoints",
      "{\"breakpoints\":[{\"id\":\"bp-gate\",\"service_name\":\"svc\",\"file_path\":\"" FILE_PATH "\","
      "\"line_number\":1,\"function_name\":\"" FUNCTION "\",\"label\":\"" LABEL "\",\"enabled\":true}]}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);

  tk_client *busy = new_backend_client_sse(0, 1);
  CHECK(busy != NULL);
  if (!busy) return;
  __atomic_store_n(&capturing, 1, __ATOMIC_RELAXED);
  pthread_t threads[3];
  for (int i = 0; i < 3; i++) CHECK(pthread_create(&threads[i], NULL, capture_loop, busy) == 0);
  /* The gate covers the library's threads, not the caller's: let the
     capturing threads' first calls (their one-time steps) finish first, as
     a pre-fork master's do before it forks. */
  sleep_ms(200);

  /* The library says on stderr when a fork went ahead without the gate. */
  fflush(stderr);
  FILE *library_stderr = tmpfile();
  int saved_stderr = dup(STDERR_FILENO);
  CHECK(library_stderr != NULL && saved_stderr >= 0);
  if (library_stderr) dup2(fileno(library_stderr), STDERR_FILENO);

  outcomes seen = {0};
  pid_t children[CHILDREN_AT_ONCE];
  double started[CHILDREN_AT_ONCE];
  int running = 0;
  double worst_fork_ms = 0;
  srand(42);
  for (int round = 0; round < ROUNDS; round++) {
    if (running == CHILDREN_AT_ONCE) {
      record(&seen, children[0], started[0]);
      for (int i = 1; i < running; i++) children[i - 1] = children[i], started[i - 1] = started[i];
      running--;
    }
    /* Every other client streams over SSE, the others poll: the one-time
       steps of both paths (the SSE parser's, the poll's) in parent and child. */
    int sse = (round / 2) % 2;
    tk_client *fresh = new_backend_client_sse(0, sse);
    CHECK(fresh != NULL);
    /* Half the forks at once, half a little later: into the threads'
       start-up and into their first poll, SSE connect and send. */
    if (round % 2) sleep_ms(rand() % 4);
    fflush(stdout);
    fflush(stderr);
    double fork_start = now_ms();
    pid_t child = fork();
    if (child == 0) child_syncs_and_sends(sse);
    double fork_ms = now_ms() - fork_start;
    if (fork_ms > worst_fork_ms) worst_fork_ms = fork_ms;
    CHECK(child > 0);
    if (child > 0) {
      children[running] = child;
      started[running++] = now_ms();
    }
    tk_client_free(fresh);
  }
  for (int i = 0; i < running; i++) record(&seen, children[i], started[i]);
  __atomic_store_n(&capturing, 0, __ATOMIC_RELAXED);
  for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
  tk_client_free(busy);
  fflush(stderr);
  dup2(saved_stderr, STDERR_FILENO);
  close(saved_stderr);
  static char said[65536];
  if (library_stderr) {
    rewind(library_stderr);
    said[fread(said, 1, sizeof said - 1, library_stderr)] = '\0';
    fclose(library_stderr);
  }
  fputs(said, stderr);

  CHECK(seen.ok == ROUNDS);
  CHECK(seen.hung == 0);
  /* Library threads pause within microseconds: none held a fork up for the
     gate's whole bound, and no fork took long. */
  CHECK(strstr(said, "fork() went ahead") == NULL);
  CHECK(worst_fork_ms < 1000.0);
  printf("fork gate: %d forks, %d children synced and sent, %d hung, %d failed "
         "(no client %d, not synced %d, capture %d, flush %d, not sent %d); slowest fork %.1f ms\n",
         ROUNDS, seen.ok, seen.hung, seen.failed, seen.by_status[3], seen.by_status[4], seen.by_status[5],
         seen.by_status[6], seen.by_status[7], worst_fork_ms);
  char *log = backend_request("GET", "/_control/log", NULL);
  int delivered = count_occurrences(log, "\"from\": \"gated-child\"");
  CHECK(delivered == ROUNDS);
  if (delivered != ROUNDS) fprintf(stderr, "the backend logged %d child captures\n", delivered);
  free(log);
}

/* A fresh process is where the library's threads run their one-time steps
   (the first poll, SSE parse, send): each round here execs a new "master"
   that, like a pre-fork server's, makes its client and forks right away or
   a few ms later, into those first steps. Its exit status is its child's. */
#define MASTERS 60

static int run_master(int sse, int delay_ms) {
  tk_client *client = new_backend_client_sse(0, sse);
  if (!client) return 3;
  sleep_ms(delay_ms);
  fflush(stdout);
  fflush(stderr);
  pid_t child = fork();
  if (child == 0) child_syncs_and_sends(sse);
  outcomes seen = {0};
  if (child > 0) record(&seen, child, now_ms());
  tk_client_free(client);
  return seen.ok ? 0 : seen.hung ? 9 : 8;
}

static void test_children_of_fresh_masters_sync_and_send(const char *self) {
  char endpoint[64];
  snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", backend_port);
  setenv("TRACEKIT_TEST_ENDPOINT", endpoint, 1);
  int ok = 0, hung = 0, failed = 0;
  for (int round = 0; round < MASTERS; round += CHILDREN_AT_ONCE) {
    pid_t masters[CHILDREN_AT_ONCE];
    for (int i = 0; i < CHILDREN_AT_ONCE; i++) {
      char sse[2] = {(char)('0' + (round / CHILDREN_AT_ONCE + i) % 2), 0}, delay[8];
      snprintf(delay, sizeof delay, "%d", (round + i * 7) % 6);
      fflush(stdout);
      fflush(stderr);
      masters[i] = fork();
      if (masters[i] == 0) {
        execl(self, self, "--master", sse, delay, (char *)NULL);
        _exit(127);
      }
    }
    for (int i = 0; i < CHILDREN_AT_ONCE; i++) {
      int status = 0;
      if (masters[i] < 0 || waitpid(masters[i], &status, 0) != masters[i]) status = -1;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ok++;
      else if (WIFEXITED(status) && WEXITSTATUS(status) == 9) hung++;
      else failed++;
    }
  }
  CHECK(ok == MASTERS);
  printf("fresh masters: %d, children synced and sent %d, hung %d, failed %d\n", MASTERS, ok, hung, failed);
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--master") == 0) {
    if (!start_backend()) return 3;
    return run_master(atoi(argv[2]), atoi(argv[3]));
  }
  if (!start_backend_for("c_client_fork_gate")) return check_summary("c_client_fork_gate");
  test_every_child_of_a_fresh_client_syncs_and_sends();
  test_children_of_fresh_masters_sync_and_send(argv[0]);
  stop_backend();
  return check_summary("c_client_fork_gate");
}
