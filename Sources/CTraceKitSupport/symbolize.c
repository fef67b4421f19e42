/* Native frame descriptions: function names from the ELF symbol tables
   (.symtab, else .dynsym, also from a separate debug file found by build-id
   or .gnu_debuglink), file:line from DWARF line tables through elfutils'
   libdw, loaded with dlopen on first use so that libtracekit.so does not
   depend on it (without libdw frames have names but no lines).

   tk_stack_describe runs on the sender thread only, never on the caller's
   path. Everything is cached under one mutex (fork-safe: see
   lock_for_fork): opened modules (at most
   MAX_MODULES) and one description per address (at most CACHE_SLOTS; the
   cache starts afresh when full). A module unloaded and another loaded at
   the same address may be described with stale names: the cost of caching
   per address. */
#define _GNU_SOURCE
#include "tk_support.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if __has_include(<elfutils/libdw.h>)
#include <elfutils/libdw.h>
#define TK_HAVE_LIBDW 1
#endif

/* ---- demangling: C++ from libstdc++, Swift from the Swift runtime, when present ---- */

extern char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status) __attribute__((weak));
extern char *swift_demangle(const char *mangled, size_t length, char *buffer, size_t *buffer_size,
                            uint32_t flags) __attribute__((weak));

/* A malloc'd readable name for symbol, or NULL to use it as is. */
static char *demangled(const char *symbol) {
  if (strncmp(symbol, "_Z", 2) == 0 && __cxa_demangle) {
    int status = 0;
    char *name = __cxa_demangle(symbol, NULL, NULL, &status);
    if (status == 0) return name;
    free(name);
  }
  if ((strncmp(symbol, "$s", 2) == 0 || strncmp(symbol, "_T", 2) == 0) && swift_demangle)
    return swift_demangle(symbol, strlen(symbol), NULL, NULL, 0);
  return NULL;
}

/* ---- ELF files ---- */

typedef struct {
  uint64_t start, size;
  uint32_t name; /* offset into the module's names */
} symbol;

typedef struct {
  const unsigned char *bytes;
  size_t size;
} mapped_file;

static int map_file(const char *path, mapped_file *file) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat info;
  int ok = fstat(fd, &info) == 0 && info.st_size >= (off_t)sizeof(Elf64_Ehdr);
  void *bytes = ok ? mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  close(fd);
  if (bytes == MAP_FAILED) return 0;
  file->bytes = bytes;
  file->size = (size_t)info.st_size;
  const Elf64_Ehdr *header = bytes;
  if (memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64 ||
      header->e_shentsize != sizeof(Elf64_Shdr) || header->e_shoff > file->size ||
      (size_t)header->e_shnum > (file->size - header->e_shoff) / sizeof(Elf64_Shdr) ||
      header->e_shstrndx >= header->e_shnum) {
    munmap(bytes, file->size);
    return 0;
  }
  return 1;
}

static const Elf64_Shdr *sections(const mapped_file *file, int *count) {
  const Elf64_Ehdr *header = (const Elf64_Ehdr *)file->bytes;
  *count = header->e_shnum;
  return (const Elf64_Shdr *)(file->bytes + header->e_shoff);
}

/* Whether the section's bytes lie inside the file. */
static int in_file(const mapped_file *file, const Elf64_Shdr *section) {
  return section->sh_type != SHT_NOBITS && section->sh_offset <= file->size &&
         section->sh_size <= file->size - section->sh_offset;
}

static const Elf64_Shdr *section_named(const mapped_file *file, const char *wanted) {
  int count;
  const Elf64_Shdr *all = sections(file, &count);
  const Elf64_Shdr *names = &all[((const Elf64_Ehdr *)file->bytes)->e_shstrndx];
  if (!in_file(file, names)) return NULL;
  for (int i = 0; i < count; i++) {
    if (all[i].sh_name >= names->sh_size) continue;
    const char *name = (const char *)file->bytes + names->sh_offset + all[i].sh_name;
    size_t room = names->sh_size - all[i].sh_name;
    if (strnlen(name, room) < room && strcmp(name, wanted) == 0 && in_file(file, &all[i])) return &all[i];
  }
  return NULL;
}

static int has_section_type(const mapped_file *file, uint32_t type) {
  int count;
  const Elf64_Shdr *all = sections(file, &count);
  for (int i = 0; i < count; i++)
    if (all[i].sh_type == type && in_file(file, &all[i]) && all[i].sh_size > 0) return 1;
  return 0;
}

/* ---- modules: one loaded object with its symbols and line tables ---- */

typedef struct {
  uintptr_t bias;            /* load address minus link-time address */
  char path[PATH_MAX];       /* as loaded ("" = the main program) */
  char display[64];          /* basename, for frames without a line */
  symbol *symbols;           /* sorted by start */
  size_t symbol_count, symbol_capacity;
  char *names;
  size_t names_size, names_capacity;
#ifdef TK_HAVE_LIBDW
  Dwarf *dwarf;
  int dwarf_fd;
#endif
} module;

/* Room for one more symbol and name_bytes more of names (doubling). */
static int reserve(module *m, size_t name_bytes) {
  if (m->symbol_count == m->symbol_capacity) {
    size_t capacity = m->symbol_capacity ? m->symbol_capacity * 2 : 256;
    symbol *grown = realloc(m->symbols, capacity * sizeof(symbol));
    if (!grown) return 0;
    m->symbols = grown;
    m->symbol_capacity = capacity;
  }
  if (m->names_capacity - m->names_size < name_bytes) {
    size_t capacity = m->names_capacity ? m->names_capacity * 2 : 4096;
    while (capacity - m->names_size < name_bytes) capacity *= 2;
    char *grown = realloc(m->names, capacity);
    if (!grown) return 0;
    m->names = grown;
    m->names_capacity = capacity;
  }
  return 1;
}

/* Adds the function symbols of every symbol table in file. */
static void add_symbols(module *m, const mapped_file *file) {
  int count;
  const Elf64_Shdr *all = sections(file, &count);
  for (int i = 0; i < count; i++) {
    const Elf64_Shdr *table = &all[i];
    if ((table->sh_type != SHT_SYMTAB && table->sh_type != SHT_DYNSYM) || !in_file(file, table) ||
        table->sh_entsize != sizeof(Elf64_Sym) || table->sh_link >= (uint32_t)count)
      continue;
    const Elf64_Shdr *strings = &all[table->sh_link];
    if (!in_file(file, strings)) continue;
    const Elf64_Sym *symbols = (const Elf64_Sym *)(file->bytes + table->sh_offset);
    size_t n = table->sh_size / sizeof(Elf64_Sym);
    for (size_t s = 0; s < n; s++) {
      const Elf64_Sym *sym = &symbols[s];
      int type = ELF64_ST_TYPE(sym->st_info);
      if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym->st_shndx == SHN_UNDEF || sym->st_value == 0 ||
          sym->st_name >= strings->sh_size)
        continue;
      const char *name = (const char *)file->bytes + strings->sh_offset + sym->st_name;
      size_t length = strnlen(name, strings->sh_size - sym->st_name);
      if (length == 0 || length == strings->sh_size - sym->st_name || length > 4096) continue;
      const char *version = memchr(name + 1, '@', length - 1); /* "memcpy@GLIBC_2.14": the name alone */
      if (version) length = (size_t)(version - name);
      if (m->names_size > UINT32_MAX - length - 1 || !reserve(m, length + 1)) return;
      memcpy(m->names + m->names_size, name, length);
      m->names[m->names_size + length] = 0;
      m->symbols[m->symbol_count++] = (symbol){sym->st_value, sym->st_size, (uint32_t)m->names_size};
      m->names_size += length + 1;
    }
  }
}

static int by_start(const void *a, const void *b) {
  const symbol *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return x->size < y->size ? 1 : x->size > y->size ? -1 : 0; /* sized before size 0 */
}

/* The separate debug file: /usr/lib/debug/.build-id/xx/rest.debug, else the
   .gnu_debuglink name next to the file, in .debug/ or under /usr/lib/debug. */
static int find_debug_file(const mapped_file *file, const char *path, char *out, size_t size) {
  const Elf64_Shdr *note = section_named(file, ".note.gnu.build-id");
  if (note && note->sh_size > sizeof(Elf64_Nhdr)) {
    const Elf64_Nhdr *header = (const Elf64_Nhdr *)(file->bytes + note->sh_offset);
    const unsigned char *id = (const unsigned char *)(header + 1) + ((header->n_namesz + 3) & ~3u);
    if (header->n_type == NT_GNU_BUILD_ID && header->n_descsz >= 2 && header->n_descsz <= 64 &&
        id + header->n_descsz <= file->bytes + note->sh_offset + note->sh_size) {
      char hex[130];
      for (uint32_t i = 0; i < header->n_descsz; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
      snprintf(out, size, "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
      if (access(out, R_OK) == 0) return 1;
    }
  }
  const Elf64_Shdr *link = section_named(file, ".gnu_debuglink");
  if (!link || link->sh_size < 2) return 0;
  const char *name = (const char *)file->bytes + link->sh_offset;
  if (strnlen(name, link->sh_size) == link->sh_size || strchr(name, '/')) return 0;
  char directory[PATH_MAX];
  snprintf(directory, sizeof directory, "%s", path);
  char *slash = strrchr(directory, '/');
  if (slash) *slash = 0; else snprintf(directory, sizeof directory, ".");
  const char *patterns[] = {"%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s"};
  for (int i = 0; i < 3; i++) {
    snprintf(out, size, patterns[i], directory, name);
    if (strcmp(out, path) != 0 && access(out, R_OK) == 0) return 1;
  }
  return 0;
}

#ifdef TK_HAVE_LIBDW
/* libdw, resolved once with dlopen: NULL members when it is not installed. */
static struct {
  __typeof__(dwarf_begin) *begin;
  __typeof__(dwarf_end) *end;
  __typeof__(dwarf_addrdie) *addrdie;
  __typeof__(dwarf_getsrc_die) *getsrc_die;
  __typeof__(dwarf_lineno) *lineno;
  __typeof__(dwarf_linesrc) *linesrc;
} libdw;

static void load_libdw(void) {
  void *handle = dlopen("libdw.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (!handle) return;
  libdw.begin = (__typeof__(libdw.begin))dlsym(handle, "dwarf_begin");
  libdw.end = (__typeof__(libdw.end))dlsym(handle, "dwarf_end");
  libdw.addrdie = (__typeof__(libdw.addrdie))dlsym(handle, "dwarf_addrdie");
  libdw.getsrc_die = (__typeof__(libdw.getsrc_die))dlsym(handle, "dwarf_getsrc_die");
  libdw.lineno = (__typeof__(libdw.lineno))dlsym(handle, "dwarf_lineno");
  libdw.linesrc = (__typeof__(libdw.linesrc))dlsym(handle, "dwarf_linesrc");
  if (!libdw.begin || !libdw.end || !libdw.addrdie || !libdw.getsrc_die || !libdw.lineno || !libdw.linesrc)
    memset(&libdw, 0, sizeof libdw);
}

static void open_dwarf(module *m, const char *path) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, load_libdw);
  if (!libdw.begin) return;
  m->dwarf_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (m->dwarf_fd < 0) return;
  m->dwarf = libdw.begin(m->dwarf_fd, DWARF_C_READ);
  if (!m->dwarf) {
    close(m->dwarf_fd);
    m->dwarf_fd = -1;
  }
}
#endif

static void load_module(module *m) {
  char path[PATH_MAX];
  if (m->path[0]) snprintf(path, sizeof path, "%s", m->path);
  else {
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return;
    path[n] = 0;
  }
  const char *slash = strrchr(path, '/');
  snprintf(m->display, sizeof m->display, "%s", slash ? slash + 1 : path);
  mapped_file file;
  if (!map_file(path, &file)) return;
  add_symbols(m, &file);
  /* Without a full symbol table or line tables here: a separate debug file. */
  char debug_path[PATH_MAX];
  const char *dwarf_path = section_named(&file, ".debug_line") ? path : NULL;
  if ((!dwarf_path || !has_section_type(&file, SHT_SYMTAB)) &&
      find_debug_file(&file, path, debug_path, sizeof debug_path)) {
    mapped_file debug;
    if (map_file(debug_path, &debug)) {
      add_symbols(m, &debug);
      /* Line tables of system debug packages (/usr/lib/debug) take libdw
         hundreds of milliseconds to open (libc's: ~0.4 s) and say little
         about the caller's code: names only from there. */
      if (!dwarf_path && section_named(&debug, ".debug_line") && strncmp(debug_path, "/usr/lib/debug/", 15) != 0)
        dwarf_path = debug_path;
      munmap((void *)debug.bytes, debug.size);
    }
  }
  munmap((void *)file.bytes, file.size);
  if (m->symbol_count > 1) qsort(m->symbols, m->symbol_count, sizeof(symbol), by_start);
#ifdef TK_HAVE_LIBDW
  if (dwarf_path) open_dwarf(m, dwarf_path);
#else
  (void)dwarf_path;
#endif
}

/* The function containing address (link-time), or NULL. */
static const char *function_at(const module *m, uint64_t address) {
  size_t low = 0, high = m->symbol_count;
  while (low < high) { /* first symbol starting after address */
    size_t mid = low + (high - low) / 2;
    if (m->symbols[mid].start <= address) low = mid + 1; else high = mid;
  }
  for (size_t i = low; i-- > 0;) {
    const symbol *s = &m->symbols[i];
    if (s->size == 0 || address < s->start + s->size) return m->names + s->name;
    if (low - i > 8) break; /* only look back past a few nested or aliased symbols */
  }
  return NULL;
}

/* ---- finding the module of an address ---- */

#define MAX_MODULES 64
static module *modules[MAX_MODULES];
static int module_count;

typedef struct {
  uintptr_t address;
  uintptr_t bias;
  const char *name;
  int found;
} module_query;

static int find_module(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  module_query *query = data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
    if (segment->p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + segment->p_vaddr;
    if (query->address >= start && query->address < start + segment->p_memsz) {
      query->bias = info->dlpi_addr;
      query->name = info->dlpi_name ? info->dlpi_name : "";
      query->found = 1;
      return 1;
    }
  }
  return 0;
}

static module *module_for(uintptr_t address) {
  module_query query = {address, 0, NULL, 0};
  dl_iterate_phdr(find_module, &query);
  if (!query.found) return NULL;
  /* The vDSO has a name like "linux-vdso.so.1" that is no file. */
  const char *path = query.name[0] == '/' || query.name[0] == 0 ? query.name : NULL;
  for (int i = 0; i < module_count; i++)
    if (modules[i]->bias == query.bias && strcmp(modules[i]->path, path ? path : query.name) == 0) return modules[i];
  if (module_count == MAX_MODULES) return NULL;
  module *m = calloc(1, sizeof(module));
  if (!m) return NULL;
  m->bias = query.bias;
  snprintf(m->path, sizeof m->path, "%s", path ? path : query.name);
#ifdef TK_HAVE_LIBDW
  m->dwarf_fd = -1;
#endif
  if (path) load_module(m);
  else snprintf(m->display, sizeof m->display, "%s", query.name);
  modules[module_count++] = m;
  return m;
}

/* ---- describing one address ---- */

static void describe(uintptr_t address, char *out, size_t size) {
  module *m = module_for(address);
  if (!m) {
    snprintf(out, size, "?? (0x%lx)", (unsigned long)address);
    return;
  }
  /* A return address: look up the call instruction just before it. */
  uint64_t link_address = address - m->bias - 1;
  const char *function = function_at(m, link_address);
  char *readable = function ? demangled(function) : NULL;
  const char *name = readable ? readable : function ? function : "??";
  const char *file = NULL;
  int line = 0;
#ifdef TK_HAVE_LIBDW
  Dwarf_Die unit;
  if (m->dwarf && libdw.addrdie(m->dwarf, link_address, &unit)) {
    Dwarf_Line *row = libdw.getsrc_die(&unit, link_address);
    if (row && libdw.lineno(row, &line) == 0 && line > 0) file = libdw.linesrc(row, NULL, NULL);
  }
#endif
  if (file) snprintf(out, size, "%s (%s:%d)", name, file, line);
  else snprintf(out, size, "%s (%s+0x%lx)", name, m->display[0] ? m->display : "??",
                (unsigned long)(address - m->bias));
  free(readable);
}

/* ---- the per-address cache ---- */

#define CACHE_SLOTS 4096
#define DESCRIPTION_BYTES 512
static struct { uintptr_t address; char *text; } cache[CACHE_SLOTS];
static int cached;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* fork() while a thread describes a stack must not leave the lock held for
   ever in the child (where a new client's sender would wait on it): the
   fork gate's handlers (fork_gate.c) take it once the gate is closed, and
   release it on both sides. */
void tk_stack_cache_lock_for_fork(void) { pthread_mutex_lock(&lock); }
void tk_stack_cache_unlock_after_fork(void) { pthread_mutex_unlock(&lock); }

static void cache_clear(void) {
  for (int i = 0; i < CACHE_SLOTS; i++) {
    free(cache[i].text);
    cache[i].text = NULL;
    cache[i].address = 0;
  }
  cached = 0;
}

/* Open addressing; a full table (kept at most 3/4 full) starts afresh. */
static const char *cached_description(uintptr_t address) {
  size_t slot = (size_t)((address * 0x9E3779B97F4A7C15ull) >> 52) % CACHE_SLOTS;
  for (;; slot = (slot + 1) % CACHE_SLOTS) {
    if (cache[slot].text && cache[slot].address == address) return cache[slot].text;
    if (!cache[slot].text) break;
  }
  if (cached >= CACHE_SLOTS / 4 * 3) {
    cache_clear();
    return cached_description(address);
  }
  char text[DESCRIPTION_BYTES];
  describe(address, text, sizeof text);
  cache[slot].text = strdup(text);
  if (!cache[slot].text) return "??";
  cache[slot].address = address;
  cached++;
  return cache[slot].text;
}

int tk_stack_describe(void *const *addresses, int count, char *buffer, size_t size) {
  if (!buffer || size == 0) return 0;
  buffer[0] = '\0';
  size_t used = 0;
  int written = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < count && used + 1 < size; i++) {
    int n = snprintf(buffer + used, size - used, "%s%s", written ? "\n" : "", cached_description((uintptr_t)addresses[i]));
    if (n < 0) break;
    used += (size_t)n < size - used ? (size_t)n : size - used - 1;
    written++;
  }
  pthread_mutex_unlock(&lock);
  return written;
}
