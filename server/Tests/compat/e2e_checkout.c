/* End-to-end example for tracekit-server: a "checkout" loop that hits a
   libtracekit checkpoint every 50 ms for N seconds, then prints the
   client's stats as JSON. Usage: e2e_checkout BASE_URL API_KEY SERVICE SECONDS */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <tracekit.h>

static void charge(tk_client *client, int amount) {
  char variables[256];
  snprintf(variables, sizeof variables,
           "{\"amount\":%d,\"card\":\"4111 1111 1111 1111\",\"customer\":{\"email\":\"jane@example.com\"}}", amount);
  TK_CAPTURE(client, "before-charge", variables, NULL);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s BASE_URL API_KEY SERVICE SECONDS\n", argv[0]);
    return 2;
  }
  tk_options *options = tk_options_new();
  if (!options || tk_options_set_endpoint(options, argv[1]) != TK_OK || tk_options_set_api_key(options, argv[2]) != TK_OK ||
      tk_options_set_service_name(options, argv[3]) != TK_OK) {
    fprintf(stderr, "options: %s\n", tk_last_error());
    return 1;
  }
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) {
    fprintf(stderr, "tk_client_new: %s\n", tk_last_error());
    return 1;
  }
  long iterations = atol(argv[4]) * 20;
  struct timespec pause = {0, 50 * 1000 * 1000};
  for (long i = 0; i < iterations; i++) {
    charge(client, (int)i);
    nanosleep(&pause, NULL);
  }
  tk_client_flush(client, 2000);
  char *stats = tk_client_stats(client);
  printf("%s\n", stats ? stats : "{}");
  tk_free(stats);
  tk_client_free(client);
  return 0;
}
