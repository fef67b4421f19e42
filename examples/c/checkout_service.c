/* A small checkout service in C: a single-threaded HTTP/1.0 server on
   loopback with a TraceKit checkpoint in the order-checkout handler. The
   variables include the customer's email and card number; the snapshot shows
   them as [REDACTED:email] and [REDACTED:credit_card].

     cc -std=c99 -Wall -Wextra examples/c/checkout_service.c $(pkg-config --cflags --libs tracekit) -o checkout_service
     TRACEKIT_API_KEY=<key> TRACEKIT_ENDPOINT=http://127.0.0.1:7070 ./checkout_service 8083
     curl -X POST -d '{"email":"jane.doe@example.com","card_number":"4111 1111 1111 1111","total":42.5}' \
       -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz' http://127.0.0.1:8083/checkout

   Enable the breakpoint "order-checkout" (function "handle_checkout") in the
   dashboard or with the management API; the next request is captured. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <tracekit.h>

#define MAX_REQUEST 65536

static volatile sig_atomic_t stopping = 0;
static void on_signal(int signo) { (void)signo; stopping = 1; }

/* Appends text to out as the body of a JSON string (quotes not included). */
static size_t json_escape(char *out, size_t cap, const char *text, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len && n + 7 < cap; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '"' || c == '\\') { out[n++] = '\\'; out[n++] = (char)c; }
    else if (c < 0x20) n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
    else out[n++] = (char)c;
  }
  out[n] = '\0';
  return n;
}

/* The request context document: method, path, url and every header. */
static void build_context(char *out, size_t cap, const char *method, const char *path, const char *headers,
                          const char *peer) {
  size_t n = (size_t)snprintf(out, cap, "{\"request\":{\"method\":\"%s\",\"path\":\"%s\",\"remote_addr\":\"%s\","
                                        "\"headers\":{", method, path, peer);
  int first = 1;
  for (const char *line = headers; line && *line && n + 16 < cap;) {
    const char *end = strstr(line, "\r\n");
    if (!end || end == line) break;
    const char *colon = memchr(line, ':', (size_t)(end - line));
    if (colon) {
      const char *value = colon + 1;
      while (value < end && *value == ' ') value++;
      n += (size_t)snprintf(out + n, cap - n, "%s\"", first ? "" : ",");
      n += json_escape(out + n, cap - n, line, (size_t)(colon - line));
      n += (size_t)snprintf(out + n, cap - n, "\":\"");
      n += json_escape(out + n, cap - n, value, (size_t)(end - value));
      n += (size_t)snprintf(out + n, cap - n, "\"");
      first = 0;
    }
    line = end + 2;
  }
  snprintf(out + n, cap - n, "}}}");
}

/* The handler: takes the order (a JSON object), "charges" it, answers. */
static int handle_checkout(tk_client *client, const char *body, const char *context, char *reply, size_t cap) {
  long order_id = (long)time(NULL);
  /* The order travels as is: the library validates, scrubs and bounds it,
     and parses it only when the breakpoint is enabled. */
  static char variables[MAX_REQUEST + 128];
  snprintf(variables, sizeof variables, "{\"order_id\":%ld,\"order\":%s}", order_id, *body ? body : "null");
  tk_status status = TK_CAPTURE(client, "order-checkout", variables, context);
  if (status == TK_ERR_INVALID_JSON) {
    snprintf(reply, cap, "{\"error\":\"the order is not JSON\"}");
    return 400;
  }
  if (status != TK_OK && status != TK_ERR_QUEUE_FULL)
    fprintf(stderr, "checkpoint: %s: %s\n", tk_status_str(status), tk_last_error());
  snprintf(reply, cap, "{\"order_id\":\"ord_%ld\",\"status\":\"paid\"}", order_id);
  return 200;
}

static void serve(tk_client *client, int fd, const char *peer) {
  static char request[MAX_REQUEST + 1];
  static char context[MAX_REQUEST * 2];
  size_t got = 0;
  char *body = NULL;
  while (got < MAX_REQUEST) {
    ssize_t r = read(fd, request + got, MAX_REQUEST - got);
    if (r <= 0) break;
    got += (size_t)r;
    request[got] = '\0';
    char *head_end = strstr(request, "\r\n\r\n");
    if (head_end) {
      const char *length = strstr(request, "Content-Length:");
      if (!length) length = strstr(request, "content-length:");
      size_t want = length ? (size_t)strtoul(length + 15, NULL, 10) : 0;
      if (got >= (size_t)(head_end + 4 - request) + want || got >= MAX_REQUEST) { body = head_end + 4; break; }
    }
  }
  request[got] = '\0';
  char method[16] = "", path[256] = "", reply[256] = "{\"error\":\"not found\"}";
  int code = 404;
  if (body && sscanf(request, "%15s %255s", method, path) == 2) {
    body[-2] = '\0'; /* headers end at the blank line */
    const char *headers = strstr(request, "\r\n");
    if (strcmp(method, "POST") == 0 && strcmp(path, "/checkout") == 0) {
      build_context(context, sizeof context, method, path, headers ? headers + 2 : "", peer);
      code = handle_checkout(client, body, context, reply, sizeof reply);
    } else if (strcmp(path, "/health") == 0) {
      code = 200;
      snprintf(reply, sizeof reply, "ok");
    }
  }
  char head[160];
  int n = snprintf(head, sizeof head, "HTTP/1.0 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                   code, code == 200 ? "OK" : "Error", strlen(reply));
  if (write(fd, head, (size_t)n) < 0 || write(fd, reply, strlen(reply)) < 0) perror("write");
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 8083;
  tk_options *options = tk_options_new(); /* TRACEKIT_API_KEY, TRACEKIT_ENDPOINT, ... from the environment */
  if (!options) { fprintf(stderr, "options: %s\n", tk_last_error()); return 1; }
  if (!getenv("TRACEKIT_SERVICE_NAME")) tk_options_set_service_name(options, "checkout-c");
  tk_options_set_poll_interval_ms(options, 1000);
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) { fprintf(stderr, "client: %s\n", tk_last_error()); return 1; }

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 16) != 0) {
    perror("listen");
    tk_client_free(client);
    return 1;
  }
  struct sigaction action = {0};
  action.sa_handler = on_signal; /* no SA_RESTART: accept() returns on a signal */
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  printf("checkout-c listening on http://127.0.0.1:%d\n", port);
  fflush(stdout);
  while (!stopping) {
    struct sockaddr_in from;
    socklen_t length = sizeof from;
    int fd = accept(listener, (struct sockaddr *)&from, &length);
    if (fd < 0) continue;
    char peer[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &from.sin_addr, peer, sizeof peer);
    serve(client, fd, peer);
    close(fd);
  }
  close(listener);
  tk_client_free(client); /* sends what is queued, within capture_timeout + 1 s */
  return 0;
}
