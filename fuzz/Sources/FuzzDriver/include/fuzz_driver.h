#ifndef TK_FUZZ_DRIVER_H
#define TK_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>
/* SwiftPM links executables with `--defsym main=<Target>_main`, which keeps
   libFuzzer's own main out; each target's `<Target>_main` hands control to
   libFuzzer through this. */
typedef int (*tk_fuzz_callback)(const uint8_t *data, size_t size);
int tk_fuzz_run(int argc, char **argv, tk_fuzz_callback callback);
#endif
