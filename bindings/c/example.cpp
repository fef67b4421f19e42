// A tiny C++17 program on libtracekit: RAII owners for the C handles, a
// sanitize call, a condition check and a checkpoint through TK_CAPTURE.
// Built by compile_test.sh (g++ -std=c++17 ... $(pkg-config --cflags --libs tracekit))
// and by CMakeLists.txt. Needs no backend: the client points at a closed port.
#include <tracekit.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

struct OptionsDeleter {
  void operator()(tk_options *options) const { tk_options_free(options); }
};
struct ClientDeleter {
  void operator()(tk_client *client) const { tk_client_free(client); }
};
struct StringDeleter {
  void operator()(char *text) const { tk_free(text); }
};
using Options = std::unique_ptr<tk_options, OptionsDeleter>;
using Client = std::unique_ptr<tk_client, ClientDeleter>;
using OwnedString = std::unique_ptr<char, StringDeleter>;

bool ok(tk_status status, const char *what) {
  if (status == TK_OK) return true;
  std::fprintf(stderr, "%s: %s: %s\n", what, tk_status_str(status), tk_last_error());
  return false;
}

}  // namespace

int main() {
  Options options(tk_options_new());
  if (!options) return ok(TK_ERR_INTERNAL, "tk_options_new"), 1;
  if (!ok(tk_options_set_api_key(options.get(), "tk_example_key"), "api_key") ||
      !ok(tk_options_set_service_name(options.get(), "cpp-example"), "service_name") ||
      !ok(tk_options_set_endpoint(options.get(), "http://127.0.0.1:9"), "endpoint") ||
      !ok(tk_options_set_capture_timeout_ms(options.get(), 500), "capture_timeout_ms"))
    return 1;

  const std::string order = R"({"order_id":1001,"email":"jane@example.com","card":"4111 1111 1111 1111"})";
  tk_status status = TK_OK;
  OwnedString clean(tk_sanitize_json(options.get(), order.data(), order.size(), &status));
  if (!clean) return ok(status, "tk_sanitize_json"), 1;
  std::printf("sanitized: %s\n", clean.get());

  OwnedString verdict(tk_eval_expression("order_id > 1000", order.data(), order.size(), &status));
  if (!verdict) return ok(status, "tk_eval_expression"), 1;
  std::printf("order_id > 1000: %s\n", verdict.get());

  Client client(tk_client_new(options.get()));
  options.reset();  // the client keeps its own copy
  if (!client) return ok(TK_ERR_INTERNAL, "tk_client_new"), 1;
  // No breakpoint is enabled: the checkpoint is skipped (TK_OK) without parsing.
  if (!ok(TK_CAPTURE(client.get(), "order-checkout", order.c_str(), nullptr), "tk_capture")) return 1;
  tk_site *site = tk_site_get(client.get(), "order-checkout", __FILE__, __LINE__, __func__);
  std::printf("site active: %d\n", tk_site_active(site));
  OwnedString stats(tk_client_stats(client.get()));
  std::printf("stats: %s\n", stats ? stats.get() : "(none)");
  return 0;
}
