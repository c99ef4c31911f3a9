/*
 * verdict-forkjob: the per-program work of the Python fork server (runtime/forkserver.py) in C.
 *
 * Loaded into the server with ctypes.PyDLL (the GIL stays held). For each job line the server calls
 * verdict_job(): it makes the work folder and the pipes, forks, and in the parent supervises the child
 * (wall limit, output caps), reaps it and everything it started, removes the work folder and writes
 * the result line itself. The server's Python heap is not touched between fork and the next job:
 * in a VM, where every page-table update is expensive, the pages a Python supervisor dirtied after
 * each fork (copy-on-write faults) cost more than the supervision itself.
 *
 * Job line:    J id tid wallMs cpuMs memoryMb processes fileSizeBytes outputBytes openFiles \t payload \n
 * Result line: {"id":..,"exit":..,"signal":..,"wallMs":..,"cpuMs":..,"maxrssKb":..,"timedOut":..,
 *               "stdout":"..","stderr":"..","stdoutBytes":..,"stderrBytes":..,"res":"..","done":..}
 * where res is what the harness wrote to fd 3 (JSON lines): only the lines that start with the per-job
 * nonce (which only the harness holds), the nonce stripped; anything else on fd 3 (a program writing to
 * it) is dropped. done says that the last authenticated line was the completion proof {"k": "done"}.
 *
 * Return value: 0 in the child (Python runs the program; fds 0-3 are set, the rest closed), 1 in the
 * parent after the result was written, 2 when additionally the work root holds leftovers the server
 * must wipe, and -errno when the job could not be started (nothing written; the server reports it).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern void PyOS_BeforeFork(void);
extern void PyOS_AfterFork_Parent(void);
extern void PyOS_AfterFork_Child(void);

#define RES_LIMIT (8L << 20)
#define NONCE_LEN 24

struct buf {
  char *p;
  size_t len, cap;
};

static struct buf cap_out, cap_err, cap_res;
static const char *payload = "";
static long lim[9]; /* id tid wallMs cpuMs memoryMb processes fileSizeBytes outputBytes openFiles */
enum { ID, TID, WALL, CPU, MEM, PROCS, FSIZE, OUTB, NOFILE };
static int devnull = -1;

static int reserve(struct buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 1 << 16;
  while (cap < b->len + extra) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) return -1;
  b->p = p;
  b->cap = cap;
  return 0;
}

static void put(struct buf *b, const char *s, size_t n) {
  if (reserve(b, n) == 0) {
    memcpy(b->p + b->len, s, n);
    b->len += n;
  }
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void putnum(struct buf *b, const char *key, long long v) {
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, ",\"%s\":%lld", key, v);
  put(b, tmp, (size_t)n);
}

static void putms(struct buf *b, const char *key, long long us) {
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, ",\"%s\":%lld.%03lld", key, us / 1000, us % 1000);
  put(b, tmp, (size_t)n);
}

/* A JSON string of raw bytes: quotes, backslashes and control characters escaped; other bytes as they
   are (the reader decodes UTF-8, replacing invalid sequences). */
static void putstr(struct buf *b, const char *key, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  char head[32];
  int hn = snprintf(head, sizeof head, ",\"%s\":\"", key);
  put(b, head, (size_t)hn);
  if (reserve(b, n * 6 + 2) < 0) return;
  char *o = b->p + b->len;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      if (c == '\n') { *o++ = '\\'; *o++ = 'n'; }
      else if (c == '\t') { *o++ = '\\'; *o++ = 't'; }
      else if (c == '\r') { *o++ = '\\'; *o++ = 'r'; }
      else { *o++ = '\\'; *o++ = 'u'; *o++ = '0'; *o++ = '0'; *o++ = hex[c >> 4]; *o++ = hex[c & 15]; }
    } else {
      *o++ = (char)c;
    }
  }
  *o++ = '"';
  b->len = (size_t)(o - b->p);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* One read: keeps the first `keep` bytes, counts all. Returns what read() returned. */
static ssize_t capture(int fd, struct buf *b, size_t *size, size_t keep) {
  static char scratch[1 << 16];
  ssize_t n = read(fd, scratch, sizeof scratch);
  if (n <= 0) return n;
  if (b->len < keep) put(b, scratch, (size_t)n < keep - b->len ? (size_t)n : keep - b->len);
  *size += (size_t)n;
  return n;
}

static void kill_all(pid_t pid, int unsandboxed) {
  if (unsandboxed) {
    killpg(pid, SIGKILL);
    return;
  }
  /* pid 1 of the namespace: kill(-1) reaches every other process in it */
  while (kill(-1, SIGKILL) == 0)
    while (waitpid(-1, NULL, 0) > 0) {
    }
}

static int dir_has_entries(const char *path) {
  DIR *d = opendir(path);
  if (!d) return 1;
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      found = 1;
      break;
    }
  }
  closedir(d);
  return found;
}

/* Applied by the child once its stdin is in place (RLIMIT_FSIZE would limit writing it). */
int verdict_child_limits(void) {
  long cpu_s = (lim[CPU] + 999) / 1000;
  if (cpu_s < 1) cpu_s = 1;
  long fsize = (lim[FSIZE] > lim[OUTB] ? lim[FSIZE] : lim[OUTB]) + 1;
  struct rlimit r;
  r.rlim_cur = r.rlim_max = (rlim_t)cpu_s;
  if (setrlimit(RLIMIT_CPU, &r)) return -errno;
  r.rlim_cur = r.rlim_max = (rlim_t)lim[MEM] << 20;
  if (setrlimit(RLIMIT_AS, &r)) return -errno;
  r.rlim_cur = r.rlim_max = (rlim_t)lim[PROCS] + 1;
  if (setrlimit(RLIMIT_NPROC, &r)) return -errno;
  r.rlim_cur = r.rlim_max = (rlim_t)fsize;
  if (setrlimit(RLIMIT_FSIZE, &r)) return -errno;
  r.rlim_cur = r.rlim_max = (rlim_t)lim[NOFILE];
  if (setrlimit(RLIMIT_NOFILE, &r)) return -errno;
  return 0;
}

/*
 * Sealed before the program runs (in the child, after the harness set every signal to its default or
 * to ignored): a seccomp filter turns every change of a signal's action into a no-op that reports
 * success, so no Python-level handler can ever run in this process (Python installs its C handler
 * through sigaction). A handler receives the interrupted frame, and from a frame the program could walk
 * up into the harness (which is what the audit hook in forkserver.py refuses on every other path).
 * Reporting success rather than an error keeps programs that set SIG_IGN or SIG_DFL, and interpreters
 * started from the program, working; the signal keeps its default action. Querying (no new action)
 * works as usual. ptrace and cross-process memory access are refused (EPERM), and so are system calls
 * of another architecture's calling convention (x32, i386 entry).
 */
int verdict_child_seal(void) {
#if defined(__x86_64__)
#define VERDICT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define VERDICT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef VERDICT_AUDIT_ARCH
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VERDICT_AUDIT_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1), /* x32 system calls */
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
#endif
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ptrace, 5, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_writev, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigaction, 0, 3),
      /* rt_sigaction(sig, act, oldact): a no-op reporting success when act is not NULL (either half) */
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]) + 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return -errno;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) return -errno;
  return 0;
#else
  return -ENOSYS;
#endif
}

/* The payload (after the tab) of the current job line, for the child. */
const char *verdict_payload(void) { return payload; }

/* Test ids the server has defined (T lines, handled in Python). */
static unsigned char *defined;
static size_t ndefined;

int verdict_define(long tid) {
  if (tid < 0) return -EINVAL;
  if ((size_t)tid >= ndefined) {
    size_t n = ndefined ? ndefined : 1024;
    while (n <= (size_t)tid) n *= 2;
    unsigned char *d = realloc(defined, n);
    if (!d) return -ENOMEM;
    memset(d + ndefined, 0, n - ndefined);
    defined = d;
    ndefined = n;
  }
  defined[tid] = 1;
  return 0;
}

void verdict_clear(void) {
  if (defined) memset(defined, 0, ndefined);
}

/* The command line the last verdict_serve() returned 1 for (NUL-terminated, without its newline). */
static struct buf in, cmd;
static size_t in_start;
const char *verdict_line(void) { return cmd.p; }
long verdict_line_length(void) { return (long)cmd.len - 1; }
long verdict_last_id(void) { return lim[ID]; }

/* Result lines not yet written: replies are batched while more jobs are queued, so the supervisor
   (Node) is woken once per few programs instead of once per program. Never held across a wait for
   input, nor for long (the pool's watchdog measures how long the oldest job goes unanswered). */
static struct buf pending;
static int pending_count;
static double pending_since;

static void flush_pending(int cmd_out) {
  size_t off = 0;
  while (off < pending.len) {
    ssize_t w = write(cmd_out, pending.p + off, pending.len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(1); /* the supervisor is gone */
    }
    off += (size_t)w;
  }
  pending.len = 0;
  pending_count = 0;
  if (pending.cap > (1 << 20)) {
    free(pending.p);
    pending.p = NULL;
    pending.cap = 0;
  }
}

static int run_job(const char *text, long text_len, int cmd_out, int unsandboxed, const char *workroot, char *nonce_hex) {
  /* header */
  const char *p = text + 1;
  for (int i = 0; i < 9; i++) {
    char *end;
    lim[i] = strtol(p, &end, 10);
    if (end == p) return -EINVAL;
    p = end;
  }
  const char *tab = memchr(text, '\t', (size_t)text_len);
  if (!tab) return -EINVAL;
  payload = tab + 1; /* NUL-terminated in place by verdict_serve */
  size_t keep = (size_t)lim[OUTB] + 1;

  unsigned char rnd[18];
  if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) return -EIO;
  static const char hex[] = "0123456789abcdef";
  char tag[13];
  for (int i = 0; i < 12; i++) {
    nonce_hex[2 * i] = hex[rnd[i] >> 4];
    nonce_hex[2 * i + 1] = hex[rnd[i] & 15];
  }
  nonce_hex[24] = 0;
  for (int i = 0; i < 6; i++) {
    tag[2 * i] = hex[rnd[12 + i] >> 4];
    tag[2 * i + 1] = hex[rnd[12 + i] & 15];
  }
  tag[12] = 0;
  char workdir[4096];
  snprintf(workdir, sizeof workdir, "%s/w-%s", workroot, tag);
  if (devnull < 0 && (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) return -errno;
  if (mkdir(workdir, 0700) < 0) return -errno;
  int po[2], pe[2], pr[2];
  if (pipe2(po, O_CLOEXEC) < 0) { int e = errno; rmdir(workdir); return -e; }
  if (pipe2(pe, O_CLOEXEC) < 0) { int e = errno; close(po[0]); close(po[1]); rmdir(workdir); return -e; }
  if (pipe2(pr, O_CLOEXEC) < 0) {
    int e = errno;
    close(po[0]); close(po[1]); close(pe[0]); close(pe[1]); rmdir(workdir);
    return -e;
  }
  double t0 = now_us();
  PyOS_BeforeFork();
  pid_t pid = fork();
  if (pid == 0) {
    PyOS_AfterFork_Child();
    if (unsandboxed) setsid();
    if (chdir(workdir) < 0 || dup2(devnull, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0 || dup2(pr[1], 3) < 0)
      _exit(97);
    /* the command pipes and every other server fd */
    if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0) { /* kernel < 5.9 */
      struct rlimit r;
      long top = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_max < 65536 ? (long)r.rlim_max : 65536;
      for (long fd = 4; fd < top; fd++) close((int)fd);
    }
    return 0;
  }
  int fork_errno = errno;
  PyOS_AfterFork_Parent();
  close(po[1]);
  close(pe[1]);
  close(pr[1]);
  if (pid < 0) {
    close(po[0]); close(pe[0]); close(pr[0]); rmdir(workdir);
    return -fork_errno;
  }
  cap_out.len = cap_err.len = cap_res.len = 0;
  size_t out_size = 0, err_size = 0, res_size = 0;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct pollfd fds[4] = {{pidfd, POLLIN, 0}, {po[0], POLLIN, 0}, {pe[0], POLLIN, 0}, {pr[0], POLLIN, 0}};
  int timed_out = 0, over = 0, exited = 0, reaped = 0, status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  double deadline = t0 + lim[WALL] * 1000.0;
  while (!exited && !over) {
    double left = deadline - now_us();
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    int wait_ms = (int)(left / 1000) + 1;
    if (pidfd < 0 && wait_ms > 5) wait_ms = 5; /* no pidfd (kernel < 5.3): look every 5 ms */
    int n = poll(fds, 4, wait_ms);
    if (pidfd < 0 && wait4(pid, &status, WNOHANG, &ru) == pid) exited = reaped = 1;
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (fds[0].revents) exited = 1;
    for (int i = 1; i < 4; i++) {
      if (!fds[i].revents) continue;
      struct buf *b = i == 1 ? &cap_out : i == 2 ? &cap_err : &cap_res;
      size_t *size = i == 1 ? &out_size : i == 2 ? &err_size : &res_size;
      ssize_t r = capture(fds[i].fd, b, size, i == 3 ? (size_t)RES_LIMIT : keep);
      if (r == 0) fds[i].fd = -fds[i].fd - 1; /* EOF: stop polling it */
      if (i != 3 && *size > (size_t)lim[OUTB]) over = 1;
    }
  }
  if (!exited) kill(pid, SIGKILL);
  while (!reaped && wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  double wall_us = now_us() - t0;
  if (pidfd >= 0) close(pidfd);
  kill_all(pid, unsandboxed); /* every writer is gone now: the pipes reach EOF */
  for (int i = 1; i < 4; i++) {
    int fd = fds[i].fd < 0 ? -fds[i].fd - 1 : fds[i].fd;
    if (fds[i].fd >= 0) {
      struct buf *b = i == 1 ? &cap_out : i == 2 ? &cap_err : &cap_res;
      size_t *size = i == 1 ? &out_size : i == 2 ? &err_size : &res_size;
      for (;;) {
        ssize_t r = capture(fd, b, size, i == 3 ? (size_t)RES_LIMIT : keep);
        if (r > 0 || (r < 0 && errno == EINTR)) continue;
        break;
      }
    }
    close(fd);
  }
  int wipe = 0;
  if (rmdir(workdir) < 0 || dir_has_entries(workroot)) wipe = 1;

  /* Keep only the harness's lines (they start with the nonce, stripped here); the completion proof
     must be the last of them. */
  static const char proof[] = "{\"k\": \"done\"}\n";
  int done = 0;
  size_t res_len = 0;
  for (char *q = cap_res.p, *end = cap_res.p + cap_res.len; q < end;) {
    char *nl = memchr(q, '\n', (size_t)(end - q));
    if (!nl) break;
    size_t n = (size_t)(nl + 1 - q);
    if (n > NONCE_LEN && memcmp(q, nonce_hex, NONCE_LEN) == 0) {
      size_t body = n - NONCE_LEN;
      done = body == sizeof proof - 1 && memcmp(q + NONCE_LEN, proof, body) == 0;
      if (!done) {
        memmove(cap_res.p + res_len, q + NONCE_LEN, body);
        res_len += body;
      }
    }
    q = nl + 1;
  }
  if (res_size != cap_res.len) done = 0; /* truncated: no proof */
  long long cpu_us = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + (long long)ru.ru_stime.tv_sec * 1000000 +
                     ru.ru_stime.tv_usec;
  struct buf *o = &pending;
  if (pending_count == 0) pending_since = now_us();
  pending_count++;
  char head[64];
  int hn = snprintf(head, sizeof head, "{\"id\":%ld", lim[ID]);
  put(o, head, (size_t)hn);
  if (WIFEXITED(status)) putnum(o, "exit", WEXITSTATUS(status));
  else puts_(o, ",\"exit\":null");
  if (WIFSIGNALED(status)) putnum(o, "signal", WTERMSIG(status));
  else puts_(o, ",\"signal\":null");
  putms(o, "wallMs", (long long)wall_us);
  putms(o, "cpuMs", cpu_us);
  putnum(o, "maxrssKb", ru.ru_maxrss);
  puts_(o, timed_out ? ",\"timedOut\":true" : ",\"timedOut\":false");
  size_t lo = (size_t)lim[OUTB];
  putstr(o, "stdout", cap_out.p, cap_out.len < lo ? cap_out.len : lo);
  putstr(o, "stderr", cap_err.p, cap_err.len < lo ? cap_err.len : lo);
  putnum(o, "stdoutBytes", (long long)out_size);
  putnum(o, "stderrBytes", (long long)err_size);
  putstr(o, "res", cap_res.p, res_len);
  puts_(o, done ? ",\"done\":true}\n" : ",\"done\":false}\n");
  /* Keep the server small: big captures are not kept between jobs. */
  struct buf *all[3] = {&cap_out, &cap_err, &cap_res};
  for (int i = 0; i < 3; i++)
    if (all[i]->cap > (1 << 20)) {
      free(all[i]->p);
      all[i]->p = NULL;
      all[i]->cap = all[i]->len = 0;
    }
  return wipe ? 2 : 1;
}

/*
 * The server's loop: reads command lines from cmd_in and runs every job line itself. Returns 0 in a
 * child (Python runs the program), 1 when Python must handle the command line in verdict_line() (test
 * definitions), 2 after a job whose leftovers Python must wipe, 3 at end of input, and -errno when the
 * job verdict_last_id() could not be started (Python reports it).
 */
int verdict_serve(int cmd_in, int cmd_out, int unsandboxed, const char *workroot, char *nonce_hex) {
  for (;;) {
    char *nl = in.len > in_start ? memchr(in.p + in_start, '\n', in.len - in_start) : NULL;
    if (!nl) {
      if (in_start > 0) { /* keep the partial line at the front */
        memmove(in.p, in.p + in_start, in.len - in_start);
        in.len -= in_start;
        in_start = 0;
      }
      flush_pending(cmd_out); /* never wait for input with answers held back */
      if (reserve(&in, 1 << 16) < 0) return -ENOMEM;
      ssize_t n = read(cmd_in, in.p + in.len, in.cap - in.len);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 3; /* nothing pending: flushed above */
      in.len += (size_t)n;
      continue;
    }
    const char *text = in.p + in_start;
    long len = nl - text;
    *nl = 0;
    in_start += (size_t)len + 1;
    if (len > 1 && text[0] == 'J' && text[1] == ' ') {
      char *end;
      lim[ID] = -1;
      long id = strtol(text + 1, &end, 10);
      long tid = strtol(end, NULL, 10);
      lim[ID] = id;
      if (tid >= 0 && ((size_t)tid >= ndefined || !defined[tid])) {
        flush_pending(cmd_out);
        return -ENOENT;
      }
      int r = run_job(text, len, cmd_out, unsandboxed, workroot, nonce_hex);
      if (r == 0) return 0; /* the child: it never writes answers */
      int queued = 0;
      for (const char *q = in.p + in_start; q < in.p + in.len && queued < 3; q++) queued += *q == '\n';
      if (r != 1 || pending_count >= 4 || queued < 3 || now_us() - pending_since > 10000) flush_pending(cmd_out);
      if (in.cap > (1 << 20) && in_start == in.len) {
        /* a huge line went by: give the memory back (a bigger server forks more slowly) */
        free(in.p);
        in.p = NULL;
        in.cap = in.len = in_start = 0;
      }
      if (r == 1) continue;
      return r;
    }
    flush_pending(cmd_out);
    cmd.len = 0;
    put(&cmd, text, (size_t)len);
    put(&cmd, "", 1);
    return 1;
  }
}
