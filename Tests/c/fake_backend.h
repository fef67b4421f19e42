/* The fake backend (Tests/TraceKitTestSupport/fake_backend.py) for the C
   ABI tests that need breakpoints: its base URL comes from
   TRACEKIT_TEST_ENDPOINT ("http://127.0.0.1:<port>"); when that is unset
   the test starts the script itself (path from TRACEKIT_FAKE_BACKEND,
   default relative to the repository root). Driven over plain HTTP/1.0. */
#ifndef TK_FAKE_BACKEND_H
#define TK_FAKE_BACKEND_H
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <tracekit.h>

#include "check.h"

#define DEFAULT_BACKEND "Tests/TraceKitTestSupport/fake_backend.py"

static inline double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static inline void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- the fake backend: found or started, and driven over plain HTTP ---- */

static int backend_port;
static pid_t backend_pid = -1;
static int backend_stdin = -1; /* the script exits when this closes */

static inline int start_backend(void) {
  const char *endpoint = getenv("TRACEKIT_TEST_ENDPOINT");
  if (endpoint && *endpoint) {
    const char *colon = strrchr(endpoint, ':');
    backend_port = colon ? atoi(colon + 1) : 0;
    return backend_port > 0;
  }
  const char *script = getenv("TRACEKIT_FAKE_BACKEND");
  if (!script || !*script) script = DEFAULT_BACKEND;
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return 0;
  backend_pid = fork();
  if (backend_pid < 0) return 0;
  if (backend_pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[1]);
    close(from_child[0]);
    execlp("python3", "python3", script, (char *)NULL);
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  backend_stdin = to_child[1];
  char line[64] = {0};
  size_t used = 0;
  while (used + 1 < sizeof line) { /* "PORT <n>\n" */
    ssize_t got = read(from_child[0], line + used, 1);
    if (got <= 0 || line[used] == '\n') break;
    used++;
  }
  close(from_child[0]);
  backend_port = strncmp(line, "PORT ", 5) == 0 ? atoi(line + 5) : 0;
  return backend_port > 0;
}

/* start_backend for a test program's main: when there is no backend, says
   so on stderr and counts a failed check (a run that tests nothing fails). */
static inline int start_backend_for(const char *program) {
  if (start_backend()) return 1;
  fprintf(stderr, "%s: no fake backend (set TRACEKIT_TEST_ENDPOINT or run from the repository root)\n", program);
  checks_failed++;
  return 0;
}

static inline void stop_backend(void) {
  if (backend_pid <= 0) return;
  close(backend_stdin);
  waitpid(backend_pid, NULL, 0);
}

/* One HTTP/1.0 request to the backend; returns the response (caller frees) or NULL. */
static inline char *backend_request(const char *method, const char *path, const char *body) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return NULL;
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)backend_port);
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    close(fd);
    return NULL;
  }
  char head[256];
  size_t length = body ? strlen(body) : 0;
  int head_length = snprintf(head, sizeof head,
                             "%s %s HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                             method, path, length);
  if (write(fd, head, (size_t)head_length) != head_length || (length && write(fd, body, length) != (ssize_t)length)) {
    close(fd);
    return NULL;
  }
  size_t capacity = 1 << 16, used = 0;
  char *response = malloc(capacity);
  ssize_t got;
  while (response && (got = read(fd, response + used, capacity - used - 1)) > 0) {
    used += (size_t)got;
    if (used + 1 == capacity) {
      char *bigger = realloc(response, capacity * 2);
      if (!bigger) break;
      response = bigger;
      capacity *= 2;
    }
  }
  close(fd);
  if (response) response[used] = '\0';
  return response;
}

static inline int count_occurrences(const char *haystack, const char *needle) {
  int count = 0;
  for (const char *at = haystack; at && (at = strstr(at, needle)) != NULL; at += strlen(needle)) count++;
  return count;
}

/* The value of "key":<integer> in a stats document, -1 if absent. */
static inline long stat_value(const char *stats, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = stats ? strstr(stats, pattern) : NULL;
  return at ? strtol(at + strlen(pattern), NULL, 10) : -1;
}

/* A client of the fake backend: polls every 100 ms, SSE as given, a 1 s
   capture timeout and the given process-wide budget (0 = none). NULL (with
   a failed CHECK) when the options are refused; the caller frees it. */
static inline tk_client *new_backend_client_sse(double max_captures_per_second, int sse) {
  char endpoint[64];
  snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", backend_port);
  tk_options *options = tk_options_new();
  CHECK(options != NULL);
  if (!options) return NULL;
  CHECK(tk_options_set_api_key(options, "tk_c_test_key") == TK_OK);
  CHECK(tk_options_set_service_name(options, "svc") == TK_OK);
  CHECK(tk_options_set_endpoint(options, endpoint) == TK_OK);
  CHECK(tk_options_set_poll_interval_ms(options, 100) == TK_OK);
  CHECK(tk_options_set_sse(options, sse) == TK_OK);
  CHECK(tk_options_set_capture_timeout_ms(options, 1000) == TK_OK);
  CHECK(tk_options_set_max_captures_per_second(options, max_captures_per_second) == TK_OK);
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  return client;
}

/* The same without SSE. */
static inline tk_client *new_backend_client(double max_captures_per_second) {
  return new_backend_client_sse(max_captures_per_second, 0);
}

#endif
