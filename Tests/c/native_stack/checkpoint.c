#include "checkpoint.h"

#include <tracekit.h>

/* noinline, and called through a volatile pointer: each stays a frame of its own. */
__attribute__((noinline)) int charge_order(tk_client *client) {
  tk_site *site = tk_site_get(client, "native", "checkpoint.c", 9, CHECKPOINT_FUNCTION);
  if (!tk_site_active(site)) return 0;
  return tk_site_capture(site, "{\"order_id\": 7}", TK_NUL_TERMINATED, NULL) == TK_OK; /* CAPTURE LINE */
}

int (*volatile charge_order_pointer)(tk_client *) = charge_order;

__attribute__((noinline)) int checkpoint_entry(tk_client *client) {
  int captured = charge_order_pointer(client);
  return captured;
}
