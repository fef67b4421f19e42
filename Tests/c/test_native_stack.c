/* Native stacks are readable (issue 10, point 8): a snapshot taken without a
   stack_trace in its context records the caller's frames with function names
   from the ELF symbol tables and, where DWARF line tables exist, file:line.
   Builds Tests/c/native_stack/target.c the ways programs ship — unstripped
   with debug info, stripped with a separate debug file, stripped with only
   exported symbols, without debug info, and with the checkpoint in a
   stripped shared library — runs each and reads the stack it captured.
   Run from the repository root with PKG_CONFIG_PATH finding tracekit.pc; the
   compiler is $CC (default cc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define SOURCES "Tests/c/native_stack"

static char work[128]; /* $TMPDIR (else /tmp) + "/tk-native-stack-XXXXXX" */
static char cc[256];
static char tracekit_flags[4096]; /* include and link flags, after the sources */
static int capture_line;

/* Runs a shell command; its stdout (at most size bytes) into out, if given. */
static int run(const char *command, char *out, size_t size) {
  FILE *pipe = popen(command, "r");
  if (!pipe) return -1;
  size_t used = 0;
  if (out) {
    size_t n;
    while (used + 1 < size && (n = fread(out + used, 1, size - 1 - used, pipe)) > 0) used += n;
    out[used] = 0;
  } else {
    char sink[256];
    while (fread(sink, 1, sizeof sink, pipe) > 0) {}
  }
  return pclose(pipe);
}

static int build(const char *command) {
  char full[16384];
  snprintf(full, sizeof full, "cd %s && %s 2>&1", work, command);
  char output[4096];
  int status = run(full, output, sizeof output);
  if (status != 0) fprintf(stderr, "build failed: %s\n%s\n", command, output);
  return status == 0;
}

/* The stack the program captured, or "" when it captured nothing. */
static void captured_stack(const char *program, char *out, size_t size) {
  char command[512];
  snprintf(command, sizeof command, "%s/%s", work, program);
  if (run(command, out, size) != 0) out[0] = 0;
}

static void setup(void) {
  const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(work, sizeof work, "%s/tk-native-stack-XXXXXX", tmp);
  if (!mkdtemp(work)) return;
  snprintf(cc, sizeof cc, "%s", getenv("CC") ? getenv("CC") : "cc");
  char libs[1024];
  if (run("pkg-config --cflags --libs tracekit", libs, sizeof libs) != 0) return;
  libs[strcspn(libs, "\n")] = 0;
  snprintf(tracekit_flags, sizeof tracekit_flags, "%s -lpthread", libs);
  /* Copied, so that the recorded paths are the work directory's. */
  char command[512];
  snprintf(command, sizeof command, "cp " SOURCES "/target.c " SOURCES "/checkpoint.c " SOURCES "/checkpoint.h %s", work);
  run(command, NULL, 0);
  char line[32];
  snprintf(command, sizeof command, "grep -n 'CAPTURE LINE' %s/checkpoint.c | cut -d: -f1", work);
  if (run(command, line, sizeof line) == 0) capture_line = atoi(line);
}

static void expect_lines(const char *stack, const char *what) {
  char expected[512];
  snprintf(expected, sizeof expected, "charge_order (%s/checkpoint.c:%d)", work, capture_line);
  CHECK_STR_CONTAINS(stack, expected);
  snprintf(expected, sizeof expected, "checkpoint_entry (%s/checkpoint.c:", work);
  CHECK_STR_CONTAINS(stack, expected);
  snprintf(expected, sizeof expected, "main (%s/target.c:", work);
  CHECK_STR_CONTAINS(stack, expected);
  if (!strstr(stack, "charge_order (")) fprintf(stderr, "  (%s)\n", what);
}

static void test_unstripped_with_debug_info(void) {
  char command[8192], stack[8192];
  snprintf(command, sizeof command, "%s -g -O1 -o debug target.c checkpoint.c %s", cc, tracekit_flags);
  CHECK(build(command));
  captured_stack("debug", stack, sizeof stack);
  expect_lines(stack, "unstripped, -g");
  /* The frames start at the caller's: nothing of libtracekit's own. */
  CHECK(strncmp(stack, "charge_order (", 14) == 0);
}

static void test_stripped_with_separate_debug_file(void) {
  char command[8192], stack[8192], sections[8192];
  snprintf(command, sizeof command,
           "%s -g -O1 -o separate target.c checkpoint.c %s && objcopy --only-keep-debug separate separate.debug && "
           "strip separate && objcopy --add-gnu-debuglink=separate.debug separate",
           cc, tracekit_flags);
  CHECK(build(command));
  snprintf(command, sizeof command, "readelf -S %s/separate", work);
  run(command, sections, sizeof sections);
  CHECK(strstr(sections, ".symtab") == NULL && strstr(sections, ".debug_line") == NULL);
  captured_stack("separate", stack, sizeof stack);
  expect_lines(stack, "stripped, .gnu_debuglink");
}

static void test_stripped_with_exported_symbols(void) {
  char command[8192], stack[8192];
  snprintf(command, sizeof command, "%s -O1 -rdynamic -o exported target.c checkpoint.c %s && strip exported",
           cc, tracekit_flags);
  CHECK(build(command));
  captured_stack("exported", stack, sizeof stack);
  CHECK_STR_CONTAINS(stack, "charge_order (exported+0x");
  CHECK_STR_CONTAINS(stack, "checkpoint_entry (exported+0x");
  CHECK(strstr(stack, "checkpoint.c:") == NULL);
}

static void test_unstripped_without_debug_info(void) {
  char command[8192], stack[8192];
  snprintf(command, sizeof command, "%s -O1 -o plain target.c checkpoint.c %s", cc, tracekit_flags);
  CHECK(build(command));
  captured_stack("plain", stack, sizeof stack);
  CHECK_STR_CONTAINS(stack, "charge_order (plain+0x");
  CHECK_STR_CONTAINS(stack, "main (plain+0x");
}

static void test_checkpoint_in_stripped_shared_library(void) {
  char command[16384], stack[8192];
  snprintf(command, sizeof command,
           "%s -O1 -fPIC -shared -o libcheckpoint.so checkpoint.c %s && strip libcheckpoint.so && "
           "%s -g -O1 -o shared target.c -L. -lcheckpoint -Wl,-rpath,%s %s",
           cc, tracekit_flags, cc, work, tracekit_flags);
  CHECK(build(command));
  captured_stack("shared", stack, sizeof stack);
  CHECK_STR_CONTAINS(stack, "charge_order (libcheckpoint.so+0x");
  CHECK_STR_CONTAINS(stack, "checkpoint_entry (libcheckpoint.so+0x");
  char expected[512];
  snprintf(expected, sizeof expected, "main (%s/target.c:", work);
  CHECK_STR_CONTAINS(stack, expected);
}

int main(void) {
  setup();
  CHECK(tracekit_flags[0] != 0 && capture_line > 0); /* pkg-config found tracekit; the sources were copied */
  if (tracekit_flags[0] && capture_line > 0) {
    test_unstripped_with_debug_info();
    test_stripped_with_separate_debug_file();
    test_stripped_with_exported_symbols();
    test_unstripped_without_debug_info();
    test_checkpoint_in_stripped_shared_library();
  }
  char command[300];
  snprintf(command, sizeof command, "rm -rf %s", work);
  run(command, NULL, 0);
  return check_summary("c_native_stack");
}
