/* The target's checkpoint, two calls deep: checkpoint_entry -> charge_order
   -> tk_capture. In checkpoint.c, linked into the program or built as a
   shared library. */
#include <tracekit.h>
#define CHECKPOINT_FUNCTION "charge_order"

/* Non-zero when the snapshot was captured. */
int checkpoint_entry(tk_client *client);
