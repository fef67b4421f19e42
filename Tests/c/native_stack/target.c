/* A service whose checkpoint sits a few calls deep, built by
   test_native_stack.c in several ways (with or without debug info, stripped,
   with the checkpoint in a shared library). It runs a tiny HTTP backend on a
   loopback port in a thread — one breakpoint for its checkpoint, captures
   recorded — captures once and prints the snapshot's stack_trace. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <tracekit.h>
#include <unistd.h>

#include "checkpoint.h"

static int listener;
static char capture_body[65536];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void reply(int fd, const char *status, const char *body) {
  char head[256];
  snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
           status, strlen(body));
  if (write(fd, head, strlen(head)) < 0 || write(fd, body, strlen(body)) < 0) return;
}

/* One request per connection: the poll, auto-registration or a capture. */
static void *serve(void *unused) {
  (void)unused;
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) return NULL;
    static char request[70000];
    size_t used = 0;
    const char *body = NULL;
    long length = 0;
    while (used < sizeof request - 1) {
      ssize_t n = read(fd, request + used, sizeof request - 1 - used);
      if (n <= 0) break;
      used += (size_t)n;
      request[used] = 0;
      const char *end = strstr(request, "\r\n\r\n");
      if (!end) continue;
      const char *field = strstr(request, "Content-Length: ");
      if (!field) field = strstr(request, "content-length: ");
      length = field ? atol(field + 16) : 0;
      body = end + 4;
      if ((long)(used - (size_t)(body - request)) >= length) break;
    }
    if (strncmp(request, "GET /sdk/snapshots/active/", 26) == 0) {
      reply(fd, "200 OK", "{\"breakpoints\":[{\"id\":\"bp-native\",\"function_name\":\"" CHECKPOINT_FUNCTION
                          "\",\"label\":\"native\",\"enabled\":true}],\"kill_switch\":false}");
    } else if (strncmp(request, "POST /sdk/snapshots/capture", 27) == 0 && body) {
      pthread_mutex_lock(&lock);
      snprintf(capture_body, sizeof capture_body, "%.*s", (int)length, body);
      pthread_mutex_unlock(&lock);
      reply(fd, "201 Created", "{\"accepted\":true}");
    } else {
      reply(fd, "201 Created", "{\"id\":\"auto\"}");
    }
    close(fd);
  }
}

/* Prints the JSON string value of "stack_trace" with \n and \/ decoded. */
static int print_stack(const char *json) {
  const char *at = strstr(json, "\"stack_trace\":\"");
  if (!at) return 0;
  for (at += 15; *at && *at != '"'; at++) {
    if (*at == '\\' && at[1]) {
      at++;
      putchar(*at == 'n' ? '\n' : *at);
    } else {
      putchar(*at);
    }
  }
  putchar('\n');
  return 1;
}

int main(void) {
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t size = sizeof address;
  listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 16) != 0 ||
      getsockname(listener, (struct sockaddr *)&address, &size) != 0)
    return 2;
  pthread_t thread;
  pthread_create(&thread, NULL, serve, NULL);
  char endpoint[64];
  snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", ntohs(address.sin_port));
  tk_options *options = tk_options_new();
  tk_options_set_api_key(options, "native-stack-test");
  tk_options_set_service_name(options, "native-stack");
  tk_options_set_endpoint(options, endpoint);
  tk_options_set_sse(options, 0);
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) return 2;
  /* Until the first poll made the checkpoint active, then once more. */
  for (int i = 0; i < 500 && !checkpoint_entry(client); i++) {
    struct timespec pause = {0, 10000000};
    nanosleep(&pause, NULL);
  }
  tk_client_flush(client, 3000);
  tk_client_free(client);
  pthread_mutex_lock(&lock);
  int printed = print_stack(capture_body);
  pthread_mutex_unlock(&lock);
  return printed ? 0 : 1;
}
