/*
 * gopherless-start: a `--runtime deno` package's `bootstrap`, and the step of its cold start that
 * copies the start-up cache into an empty DENO_DIR, checked, before Deno starts.
 *
 * As `bootstrap` (started with no arguments, as Lambda starts it), in the plain case: the function
 * runs at the memory size it was built for (AWS_LAMBDA_FUNCTION_MEMORY_SIZE is the build's), in a
 * sequential environment (AWS_LAMBDA_MAX_CONCURRENCY unset or 1), from the folder its start-up
 * cache was made for, with no GOPHERLESS_DENO_RUNNER. It reads `bootstrap.conf` beside it (what
 * the build wrote: `packaging/launcher.ts`, launcherConfig), gives Deno the environment the
 * launcher script would (DENO_DIR, DENO_NO_UPDATE_CHECK, DENO_NO_PROMPT, the build's V8 flags
 * before the user's DENO_V8_FLAGS, MALLOC_ARENA_MAX), copies the cache on a cold start, and
 * becomes Deno. Any other case, it runs the script `bootstrap.sh` beside it with /bin/sh, which
 * handles them all: no shell in the plain case is about 1 ms of CPU per cold start (BENCHMARKS.md).
 * `tests/packaging/native_start_test.ts` holds the two to the same results.
 *
 * As a runtime layer's `bootstrap` (in /opt; its `bootstrap.conf` names only the layer): the same,
 * with the function's settings read from `gopherless-function.conf` in its task root
 * (LAMBDA_TASK_ROOT, else /var/task), which must name this very layer; Deno is the layer's, the
 * module the function's. A function built for another layer, or with no such file, is the
 * script's (which reports the mismatch).
 *
 * As the script's copying step:
 *
 *   gopherless-start SRC DST COUNT [NAME SIZE HASH]... PROGRAM [ARG]...
 *
 * Each of the COUNT files SRC/NAME must have SIZE bytes whose hash (cache_hash below, 16 lowercase
 * hex digits) is HASH; then all are written into DST (made if missing, with its parents) in the
 * order given. A file missing, of another size or damaged leaves all of them uncopied, and says so
 * on stderr: Deno then starts without the cache (a damaged V8 code cache crashes Deno, which does
 * not check its payload). Either way PROGRAM runs next, in this process, with ARGs and the
 * environment as they are (PROGRAM is found on PATH when it names no folder). Exit status only when
 * it cannot: 2 for arguments that do not parse, 127 when PROGRAM cannot be run.
 *
 * No C library: a handful of system calls, static, one build for x86_64 and one for aarch64
 * (`packaging/native/build.ts`), so that it runs on any Linux whatever its libc, and starts in a
 * few hundred microseconds.
 *
 * The hash is for damage, not for an adversary (one who can write the package can write the
 * launcher too): four 32-bit multiply-xorshift lanes over the little-endian 32-bit words (word k in
 * lane k mod 4, so the four chains run side by side), the bytes past the last whole 16 one at a
 * time in the first, the lanes folded in pairs; `packaging/cache_hash.ts` is its TypeScript twin,
 * and `tests/packaging/native_start_test.ts` holds the two to each other.
 */

typedef unsigned long u64;
typedef unsigned int u32;
typedef long i64;

#if defined(__x86_64__)
enum {
  SYS_write = 1,
  SYS_close = 3,
  SYS_fstat = 5,
  SYS_mmap = 9,
  SYS_execve = 59,
  SYS_exit_group = 231,
  SYS_openat = 257,
  SYS_mkdirat = 258,
  SYS_read = 0,
  SYS_newfstatat = 262,
  SYS_readlinkat = 267,
};
static i64 sys(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e, i64 f) {
  i64 ret;
  register i64 r10 __asm__("r10") = d;
  register i64 r8 __asm__("r8") = e;
  register i64 r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
/* The kernel leaves argc, argv and envp at the stack pointer. */
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n"
        " call start_c\n hlt\n");
#elif defined(__aarch64__)
enum {
  SYS_write = 64,
  SYS_close = 57,
  SYS_fstat = 80,
  SYS_mmap = 222,
  SYS_execve = 221,
  SYS_exit_group = 94,
  SYS_openat = 56,
  SYS_mkdirat = 34,
  SYS_read = 63,
  SYS_newfstatat = 79,
  SYS_readlinkat = 78,
};
static i64 sys(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e, i64 f) {
  register i64 x8 __asm__("x8") = n;
  register i64 x0 __asm__("x0") = a;
  register i64 x1 __asm__("x1") = b;
  register i64 x2 __asm__("x2") = c;
  register i64 x3 __asm__("x3") = d;
  register i64 x4 __asm__("x4") = e;
  register i64 x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x30, #0\n mov x0, sp\n"
        " bl start_c\n brk #0\n");
#else
#error "gopherless-start is built for x86_64 and aarch64 only"
#endif

#define AT_FDCWD (-100)
#define O_RDONLY 0
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_CLOEXEC 02000000
#define PROT_READ 1
#define MAP_PRIVATE 2
#define EEXIST 17
#define ENOENT 2
/* Deno keeps three cache databases; room to spare. */
#define MAX_FILES 16
#define PATH_MAX 4096
/* Where struct stat keeps st_size (as a 64-bit word) on both architectures' kernel ABI. */
#define STAT_SIZE_WORD 6

static u64 length(const char *s) {
  u64 n = 0;
  while (s[n]) n++;
  return n;
}

static void say(const char *s) { sys(SYS_write, 2, (i64)s, (i64)length(s), 0, 0, 0); }

static void say_number(u64 v) {
  char digits[24];
  int i = 23;
  digits[i] = 0;
  do {
    digits[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v && i > 0);
  say(digits + i);
}

static void quit(int code) {
  sys(SYS_exit_group, code, 0, 0, 0, 0, 0);
  __builtin_unreachable();
}

/* Little-endian 32-bit words read at any address (both architectures are little-endian). */
typedef u32 __attribute__((may_alias, aligned(1))) unaligned_u32;

static u32 rotl(u32 x, int r) { return x << r | x >> (32 - r); }

static u64 cache_hash(const unsigned char *p, u64 n) {
  u32 a = 0x9e3779b9u ^ (u32)n, b = 0x85ebca6bu ^ (u32)(n >> 32), c = 0xc2b2ae35u, d = 0x27d4eb2fu;
  u64 i = 0;
  for (; i + 16 <= n; i += 16) {
    const unaligned_u32 *w = (const unaligned_u32 *)(p + i);
    a = (a ^ w[0]) * 0x9e3779b1u;
    a ^= a >> 15;
    b = (b ^ w[1]) * 0xc2b2ae35u;
    b ^= b >> 13;
    c = (c ^ w[2]) * 0x85ebca6bu;
    c ^= c >> 16;
    d = (d ^ w[3]) * 0x27d4eb2fu;
    d ^= d >> 15;
  }
  for (; i < n; i++) {
    a = (a ^ p[i]) * 0x9e3779b1u;
    a ^= a >> 15;
  }
  return (u64)(a ^ rotl(c, 16)) << 32 | (b ^ rotl(d, 16));
}

/* A decimal (at most 15 digits) or lowercase hexadecimal (at most 16) number, nothing else. */
static int parse(const char *s, u64 base, u64 *out) {
  u64 v = 0;
  int digits = 0;
  for (; *s; s++, digits++) {
    u64 d;
    if (*s >= '0' && *s <= '9') d = (u64)(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f') d = (u64)(*s - 'a' + 10);
    else return 0;
    if (digits >= (base == 16 ? 16 : 15)) return 0;
    v = v * base + d;
  }
  *out = v;
  return digits > 0;
}

/* `dir`/`name` into `out`: 0 when it does not fit, or `name` is not one plain file name. */
static int join(char *out, const char *dir, u64 dir_length, const char *name) {
  u64 n = length(name);
  if (n == 0 || (name[0] == '.' && (n == 1 || (n == 2 && name[1] == '.')))) return 0;
  for (u64 i = 0; i < n; i++) {
    if (name[i] == '/') return 0;
  }
  if (dir_length + 1 + n + 1 > PATH_MAX) return 0;
  for (u64 i = 0; i < dir_length; i++) out[i] = dir[i];
  out[dir_length] = '/';
  for (u64 i = 0; i <= n; i++) out[dir_length + 1 + i] = name[i];
  return 1;
}

struct file {
  const char *name;
  const unsigned char *data;
  u64 size;
};

static char path[PATH_MAX];

/* 1 when every file is there, whole and undamaged (mapped into `files`), else 0. */
static int check(const char *src, struct file *files, char **specs, int count) {
  for (int f = 0; f < count; f++) {
    char **spec = specs + 3 * f;
    u64 size = 0, hash = 0;
    parse(spec[1], 10, &size);
    parse(spec[2], 16, &hash);
    join(path, src, length(src), spec[0]);
    i64 fd = sys(SYS_openat, AT_FDCWD, (i64)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
    if (fd < 0) return 0;
    i64 st[18];
    i64 stat = sys(SYS_fstat, fd, (i64)st, 0, 0, 0, 0);
    const unsigned char *data = (const unsigned char *)"";
    if (stat == 0 && (u64)st[STAT_SIZE_WORD] == size && size > 0) {
      i64 map = sys(SYS_mmap, 0, (i64)size, PROT_READ, MAP_PRIVATE, fd, 0);
      data = map < 0 && map > -4096 ? 0 : (const unsigned char *)map;
    }
    sys(SYS_close, fd, 0, 0, 0, 0, 0);
    if (stat != 0 || (u64)st[STAT_SIZE_WORD] != size || !data) return 0;
    if (cache_hash(data, size) != hash) return 0;
    files[f] = (struct file){spec[0], data, size};
  }
  return 1;
}

/*
 * Makes the folder `dst` and any of its parents that are missing, as `mkdir -p` does (Deno makes
 * a DENO_DIR whose parents are missing too); 0, or the negated error of making `dst` itself.
 */
static i64 make_folders(const char *dst) {
  u64 n = length(dst);
  if (n == 0 || n >= PATH_MAX) return -ENOENT;
  for (u64 i = 0; i <= n; i++) path[i] = dst[i];
  i64 made = 0;
  for (u64 i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != 0) continue;
    char end = path[i];
    path[i] = 0;
    made = sys(SYS_mkdirat, AT_FDCWD, (i64)path, 0700, 0, 0, 0);
    path[i] = end;
  }
  return made < 0 && made != -EEXIST ? made : 0;
}

/* Writes `files` into `dst`; 0 with the system's error number on failure. */
static i64 copy(const char *dst, const struct file *files, int count) {
  i64 made = make_folders(dst);
  if (made < 0) return made;
  for (int f = 0; f < count; f++) {
    if (!join(path, dst, length(dst), files[f].name)) return -ENOENT;
    i64 fd = sys(SYS_openat, AT_FDCWD, (i64)path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600,
                 0, 0);
    if (fd < 0) return fd;
    for (u64 done = 0; done < files[f].size;) {
      i64 n = sys(SYS_write, fd, (i64)(files[f].data + done), (i64)(files[f].size - done), 0, 0,
                  0);
      if (n <= 0) {
        sys(SYS_close, fd, 0, 0, 0, 0, 0);
        return n < 0 ? n : -ENOENT;
      }
      done += (u64)n;
    }
    i64 closed = sys(SYS_close, fd, 0, 0, 0, 0, 0);
    if (closed < 0) return closed;
  }
  return 0;
}

/* execve(`program`), looked up on PATH when it names no folder; returns only on failure. */
static i64 run(char *program, char **argv, char **envp) {
  for (const char *s = program; *s; s++) {
    if (*s == '/') return sys(SYS_execve, (i64)program, (i64)argv, (i64)envp, 0, 0, 0);
  }
  const char *search = "/usr/local/bin:/usr/bin:/bin";
  for (char **e = envp; *e; e++) {
    const char *v = *e;
    if (v[0] == 'P' && v[1] == 'A' && v[2] == 'T' && v[3] == 'H' && v[4] == '=') search = v + 5;
  }
  i64 error = -ENOENT;
  while (1) {
    u64 n = 0;
    while (search[n] && search[n] != ':') n++;
    if (join(path, n ? search : ".", n ? n : 1, program)) {
      i64 r = sys(SYS_execve, (i64)path, (i64)argv, (i64)envp, 0, 0, 0);
      if (r != -ENOENT) error = r;
    }
    if (!search[n]) return error;
    search += n + 1;
  }
}

/* Checks `count` files named by `specs` in `src` and copies them into `dst`, saying what failed. */
static void copy_cache(const char *src, const char *dst, char **specs, int count) {
  struct file files[MAX_FILES];
  if (!check(src, files, specs, count)) {
    say("gopherless: the start-up cache in ");
    say(src);
    say(" is damaged or missing; starting without it\n");
    return;
  }
  i64 error = copy(dst, files, count);
  if (error < 0) {
    say("gopherless: the start-up cache could not be copied into ");
    say(dst);
    say(" (error ");
    say_number((u64)-error);
    say("); starting without it\n");
  }
}

/* 0 unless `count` (at most MAX_FILES) name, size and hash triples parse; says which does not. */
static int valid_specs(const char *src, char **specs, u64 count) {
  for (u64 f = 0; f < count; f++) {
    u64 number;
    if (!join(path, src, length(src), specs[3 * f]) || !parse(specs[3 * f + 1], 10, &number) ||
        !parse(specs[3 * f + 2], 16, &number)) {
      say("gopherless-start: not a file name, size and hash: ");
      say(specs[3 * f]);
      say("\n");
      return 0;
    }
  }
  return 1;
}

/* ---- The launcher: `bootstrap` itself, started with no arguments (see the file's head). ---- */

static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

/* The value of `name` in `envp`, or 0. */
static const char *variable(char **envp, const char *name) {
  u64 n = length(name);
  for (char **e = envp; *e; e++) {
    u64 i = 0;
    while (i < n && (*e)[i] == name[i]) i++;
    if (i == n && (*e)[n] == '=') return *e + n + 1;
  }
  return 0;
}

static char conf[8192];
static char function_conf[8192];
static char here[PATH_MAX];
static char strings[3 * PATH_MAX + 8192];
static u64 strings_used;
static char *env_out[2048];
static char *cache_specs[3 * MAX_FILES + 1];

/* `a` + `b` + `c` in `strings`; 0 when it is full. */
static char *concat(const char *a, const char *b, const char *c) {
  u64 n = length(a) + length(b) + length(c) + 1;
  if (strings_used + n > sizeof strings) return 0;
  char *out = strings + strings_used;
  u64 i = 0;
  for (const char *s = a; *s; s++) out[i++] = *s;
  for (const char *s = b; *s; s++) out[i++] = *s;
  for (const char *s = c; *s; s++) out[i++] = *s;
  out[i] = 0;
  strings_used += n;
  return out;
}

/* Whether `a` and `b` are the same file (device and inode), as the shell's `-ef`. */
static int same_file(const char *a, const char *b) {
  i64 sa[18], sb[18];
  if (sys(SYS_newfstatat, AT_FDCWD, (i64)a, (i64)sa, 0, 0, 0) != 0) return 0;
  if (sys(SYS_newfstatat, AT_FDCWD, (i64)b, (i64)sb, 0, 0, 0) != 0) return 0;
  return sa[0] == sb[0] && sa[1] == sb[1];
}

/* Runs the launcher script beside this program, which handles every case (see the file's head). */
static void script(char **envp) {
  char *sh[] = {"/bin/sh", concat(here, "/", "bootstrap.sh"), 0};
  if (sh[1]) sys(SYS_execve, (i64)sh[0], (i64)sh, (i64)envp, 0, 0, 0);
  say("gopherless: cannot run the launcher script beside ");
  say(here);
  say("\n");
  quit(127);
}

/* What a settings file says (packaging/launcher.ts, launcherConfig); 0 for a key it lacks. */
struct settings {
  const char *memory, *flags, *arena, *root, *layer;
  char *cache;
};

/* Reads the key=value lines of `dir`/`name` into `out`, using `buffer`; 0 if it cannot. */
static int read_settings(const char *dir, const char *name, char *buffer, u64 size,
                         struct settings *out) {
  if (!join(path, dir, length(dir), name)) return 0;
  i64 fd = sys(SYS_openat, AT_FDCWD, (i64)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
  if (fd < 0) return 0;
  i64 got = sys(SYS_read, fd, (i64)buffer, (i64)size - 1, 0, 0, 0);
  sys(SYS_close, fd, 0, 0, 0, 0, 0);
  if (got <= 0 || got >= (i64)size - 1) return 0;
  buffer[got] = 0;
  for (char *line = buffer; *line;) {
    char *end = line;
    while (*end && *end != '\n') end++;
    char *next = *end ? end + 1 : end;
    *end = 0;
    char *eq = line;
    while (*eq && *eq != '=') eq++;
    if (*eq) {
      *eq = 0;
      char *v = eq + 1;
      if (same(line, "memory")) out->memory = v;
      else if (same(line, "v8_flags")) out->flags = v;
      else if (same(line, "malloc_arena_max")) out->arena = v;
      else if (same(line, "root")) out->root = v;
      else if (same(line, "layer")) out->layer = v;
      else if (same(line, "cache")) out->cache = v;
    }
    line = next;
  }
  return 1;
}

static void launch(char **argv, char **envp) {
  i64 n = sys(SYS_readlinkat, AT_FDCWD, (i64)"/proc/self/exe", (i64)here, PATH_MAX - 1, 0, 0);
  if (n <= 0) {
    /* No procfs: the folder argv[0] names. */
    n = (i64)length(argv[0]);
    if (n >= PATH_MAX) n = 0;
    for (i64 i = 0; i < n; i++) here[i] = argv[0][i];
  }
  here[n] = 0;
  while (n > 0 && here[n - 1] != '/') n--;
  here[n > 1 ? n - 1 : n] = 0;
  if (!here[0]) here[0] = '.', here[1] = 0;
  /* The build's settings. A runtime layer's name only the layer: the function's own, in its
   * task root, say the rest, and which layer the function was built for. */
  struct settings own = {0}, s = {0};
  if (!read_settings(here, "bootstrap.conf", conf, sizeof conf, &own)) script(envp);
  const char *task = here;
  if (own.layer) {
    task = variable(envp, "LAMBDA_TASK_ROOT");
    if (!task || !*task) task = "/var/task";
    if (!read_settings(task, "gopherless-function.conf", function_conf, sizeof function_conf, &s) ||
        !s.layer || !same(s.layer, own.layer)) {
      script(envp);
    }
  } else {
    s = own;
  }
  /* Only the plain case is this program's: anything else is the script's. */
  const char *runner = variable(envp, "GOPHERLESS_DENO_RUNNER");
  const char *concurrency = variable(envp, "AWS_LAMBDA_MAX_CONCURRENCY");
  const char *size = variable(envp, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
  if (!s.memory || !s.flags || !s.root || !s.cache || (runner && *runner) ||
      (concurrency && *concurrency && !same(concurrency, "1")) || !size || !same(size, s.memory) ||
      !same_file(task, s.root)) {
    script(envp);
  }
  /* The environment the script would give Deno. */
  const char *deno_dir = variable(envp, "DENO_DIR");
  if (!deno_dir || !*deno_dir) deno_dir = "/tmp/.deno";
  const char *user_flags = variable(envp, "DENO_V8_FLAGS");
  const char *user_arena = variable(envp, "MALLOC_ARENA_MAX");
  int set_arena = s.arena && *s.arena;
  u64 count = 0;
  const char *dropped[] = {"DENO_DIR", "DENO_NO_UPDATE_CHECK", "DENO_NO_PROMPT", "DENO_V8_FLAGS",
                           set_arena ? "MALLOC_ARENA_MAX" : 0};
  char **e = envp;
  for (; *e && count < sizeof env_out / sizeof *env_out - 6; e++) {
    int keep = 1;
    for (int d = 0; d < 5 && keep; d++) {
      if (!dropped[d]) continue;
      u64 k = length(dropped[d]), i = 0;
      while (i < k && (*e)[i] == dropped[d][i]) i++;
      if (i == k && (*e)[k] == '=') keep = 0;
    }
    if (keep) env_out[count++] = *e;
  }
  /* More variables than this program holds (Lambda's are at most 4 KB): the script's case. */
  if (*e) script(envp);
  env_out[count++] = concat("DENO_DIR=", deno_dir, "");
  env_out[count++] = "DENO_NO_UPDATE_CHECK=1";
  env_out[count++] = "DENO_NO_PROMPT=1";
  /* The build's flags, then the user's: V8 keeps a flag's last value, so the user's win. */
  const char *v8 = user_flags && *user_flags ? concat(s.flags, ",", user_flags) : s.flags;
  env_out[count++] = v8 ? concat("DENO_V8_FLAGS=", v8, "") : 0;
  if (set_arena) {
    env_out[count++] =
        concat("MALLOC_ARENA_MAX=", user_arena && *user_arena ? user_arena : s.arena, "");
  }
  env_out[count] = 0;
  for (u64 i = 0; i < count; i++) {
    if (!env_out[i]) script(envp);
  }
  /* The start-up cache, on a cold start (no V8 code cache in DENO_DIR yet). Deno is the
   * package's, spelt as its task root is (the script's `here` once it is found to be that root),
   * or the layer's, beside this program. */
  char *deno = concat(own.layer ? here : s.root, "/deno", "");
  char *main_module = concat(s.root, "/handler.js", "");
  char *marker = concat(deno_dir, "/v8_code_cache_v2", "");
  char *source = concat(s.root, "/.deno-cache", "");
  if (!deno || !main_module || !marker || !source) script(envp);
  i64 st[18];
  char *cache = s.cache;
  if (*cache && sys(SYS_newfstatat, AT_FDCWD, (i64)marker, (i64)st, 0, 0, 0) != 0) {
    u64 words = 0;
    for (char *c = cache; *c && words < 3 * MAX_FILES + 1;) {
      while (*c == ' ') *c++ = 0;
      if (!*c) break;
      cache_specs[words++] = c;
      while (*c && *c != ' ') c++;
    }
    u64 files = 0;
    if (words == 0 || !parse(cache_specs[0], 10, &files) || files > MAX_FILES ||
        words != 1 + 3 * files || !valid_specs(source, cache_specs + 1, files)) {
      say("gopherless: the start-up cache's list in the settings does not parse; starting "
          "without it\n");
    } else {
      copy_cache(source, deno_dir, cache_specs + 1, (int)files);
    }
  }
  char *deno_argv[] = {deno, "run", "--allow-all", "--no-config", "--no-lock", "--no-remote",
                       "--no-npm", main_module, 0};
  i64 error = sys(SYS_execve, (i64)deno, (i64)deno_argv, (i64)env_out, 0, 0, 0);
  say("gopherless: cannot run ");
  say(deno);
  say(" (error ");
  say_number((u64)-error);
  say(")\n");
  quit(127);
}

__attribute__((used)) void start_c(i64 *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  if (argc == 1) launch(argv, envp);
  u64 count = 0;
  if (argc < 4 || !parse(argv[3], 10, &count) || count > MAX_FILES ||
      (u64)argc < 5 + 3 * count) {
    say("gopherless-start: usage: gopherless-start SRC DST COUNT [NAME SIZE HASH]... PROGRAM "
        "[ARG]...\n");
    quit(2);
  }
  char **specs = argv + 4;
  if (!valid_specs(argv[1], specs, count)) quit(2);
  copy_cache(argv[1], argv[2], specs, (int)count);
  char **program = specs + 3 * count;
  i64 error = run(program[0], program, envp);
  say("gopherless-start: cannot run ");
  say(program[0]);
  say(" (error ");
  say_number((u64)-error);
  say(")\n");
  quit(127);
}
