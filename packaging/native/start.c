/*
 * gopherless-start: the step of a `--runtime deno` package's cold start that copies the start-up
 * cache into an empty DENO_DIR, checked, before Deno starts; then it becomes Deno (execve).
 *
 *   gopherless-start SRC DST COUNT [NAME SIZE HASH]... PROGRAM [ARG]...
 *
 * Each of the COUNT files SRC/NAME must have SIZE bytes whose hash (cache_hash below, 16 lowercase
 * hex digits) is HASH; then all are written into DST (made if missing, with its parents) in the
 * order given. A file
 * missing, of another size or damaged leaves all of them uncopied, and says so on stderr: Deno then
 * starts without the cache (a damaged V8 code cache crashes Deno, which does not check its payload).
 * Either way PROGRAM runs next, in this process, with ARGs and the environment as they are (PROGRAM
 * is found on PATH when it names no folder). Exit status only when it cannot: 2 for arguments that
 * do not parse, 127 when PROGRAM cannot be run.
 *
 * Why a program: the launcher script did this with `cksum` and `cp`, two processes and a fork of the
 * shell's, about 3 ms of CPU on every cold start (BENCHMARKS.md, "The launcher's cold-start steps").
 * This is one exec in the chain the shell already makes. No C library: a handful of system calls,
 * static, one build for x86_64 and one for aarch64 (`packaging/native/build.ts`), so that it runs on
 * any Linux whatever its libc, and starts in a few hundred microseconds.
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

__attribute__((used)) void start_c(i64 *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  u64 count = 0;
  if (argc < 4 || !parse(argv[3], 10, &count) || count > MAX_FILES ||
      (u64)argc < 5 + 3 * count) {
    say("gopherless-start: usage: gopherless-start SRC DST COUNT [NAME SIZE HASH]... PROGRAM "
        "[ARG]...\n");
    quit(2);
  }
  char **specs = argv + 4;
  for (u64 f = 0; f < count; f++) {
    u64 number;
    if (!join(path, argv[1], length(argv[1]), specs[3 * f]) || !parse(specs[3 * f + 1], 10, &number) ||
        !parse(specs[3 * f + 2], 16, &number)) {
      say("gopherless-start: not a file name, size and hash: ");
      say(specs[3 * f]);
      say("\n");
      quit(2);
    }
  }
  struct file files[MAX_FILES];
  if (!check(argv[1], files, specs, (int)count)) {
    say("gopherless: the start-up cache in ");
    say(argv[1]);
    say(" is damaged or missing; starting without it\n");
  } else {
    i64 error = copy(argv[2], files, (int)count);
    if (error < 0) {
      say("gopherless: the start-up cache could not be copied into ");
      say(argv[2]);
      say(" (error ");
      say_number((u64)-error);
      say("); starting without it\n");
    }
  }
  char **program = specs + 3 * count;
  i64 error = run(program[0], program, envp);
  say("gopherless-start: cannot run ");
  say(program[0]);
  say(" (error ");
  say_number((u64)-error);
  say(")\n");
  quit(127);
}
