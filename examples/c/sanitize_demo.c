/* Sanitizes a sample checkout payload and prints it before and after:
   what every captured snapshot goes through before it leaves the process. */
#include <stdio.h>
#include <tracekit.h>

static const char *sample =
    "{\"order\":{\"id\":\"ord_1700000000\",\"total\":129.5,\"created_at\":\"2026-11-25T12:00:00Z\","
    "\"customer\":{\"name\":\"Jane Doe\",\"email\":\"jane.doe@example.com\",\"phone\":\"+1 555 123 4567\"},"
    "\"payment\":{\"card\":\"4111 1111 1111 1111\",\"note\":\"charged card 5500-0000-0000-0004 ok\"},"
    "\"items\":[{\"sku\":\"BOOK-42\",\"qty\":1}]},"
    "\"headers\":{\"Authorization\":\"Bearer abcdefghijklmnopqrstuvwxyz\",\"X-Request-Id\":\"3f1c9a\"},"
    "\"config\":{\"db_password\":\"hunter22\",\"aws\":\"AKIAIOSFODNN7EXAMPLE\",\"retries\":3},"
    "\"trace\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":\"deep\"}}}}}}}}}}}";

int main(void) {
  tk_options *options = tk_options_new();
  if (!options) {
    fprintf(stderr, "tk_options_new: %s\n", tk_last_error());
    return 1;
  }
  tk_status status;
  char *clean = tk_sanitize_json(options, sample, TK_NUL_TERMINATED, &status);
  if (!clean) {
    fprintf(stderr, "tk_sanitize_json: %s: %s\n", tk_status_str(status), tk_last_error());
    tk_options_free(options);
    return 1;
  }
  printf("libtracekit %s\n\nbefore:\n%s\n\nafter:\n%s\n", tk_version(), sample, clean);
  tk_free(clean);
  tk_options_free(options);
  return 0;
}
