#include "fuzz_driver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));

int tk_fuzz_run(int argc, char **argv, tk_fuzz_callback callback) {
  return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
