/*
 * verdict-sandbox: run one command inside fresh Linux namespaces.
 *
 *   verdict-sandbox [-r PATH]... [-t MB] [-c CPU_S] [-d DATA_MB] [-a AS_MB] [-n NPROC]
 *                   [-f FSIZE] [-o NOFILE] [-s FD] [-P|--no-proc] -- CMD ARG...
 *
 * The parent stays outside, writes the user-namespace id maps, waits for the child and (with -s FD)
 * writes "exit=N signal=N maxrss_kb=N cpu_ms=N\n" to FD. The child is pid 1 of new user, pid,
 * mount, network, IPC and UTS namespaces. It builds a root of its own (a tmpfs with a size-limited
 * tmpfs at /tmp as the only writable place, read-only bind mounts of /usr, /lib*, /bin, /sbin,
 * /etc/ld.so.cache, a few /dev nodes and every -r PATH at the same path, and a fresh /proc unless
 * -P), then drops to an unprivileged uid with no capabilities and no_new_privs, sets the rlimits and
 * execs CMD as pid 1: when CMD exits, the kernel kills everything else in the namespace.
 *
 * /tmp is mounted before the binds, so a -r PATH under /tmp (a checkout or an interpreter installed
 * there) stays visible, read-only, on top of it. The folders leading to such a bind live in a small
 * tmpfs of their own at /tmp/<first component>, made read-only once the binds are in place: being a
 * mount point, that folder cannot be renamed, removed or written by the command.
 *
 * -P (--no-proc): no /proc inside (and no /dev/fd), so the command cannot read /proc/self/mem or
 * anything else there.
 *
 * Uid mapping: started as root, inside uid 0 maps to host root only while the mounts are made and
 * the command runs as host uid 65534 (nobody); started as an ordinary user, the only mapping is that
 * user, who keeps no capabilities. There is no network interface but a downed loopback.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534
#define MAX_BINDS 32

static const char *binds[MAX_BINDS];
static int nbinds;
/* Read-only skeleton tmpfs mounts made for binds under /tmp (paths inside the new root). */
static char skeletons[MAX_BINDS][4096];
static int nskeletons;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("verdict-sandbox: ", stderr);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, ": %s\n", strerror(errno));
  va_end(ap);
  _exit(125);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die("write %s", path);
  close(fd);
}

/* mkdir -p for a path inside the new root (which is the cwd-relative ".") */
static void mkdirs(const char *path, mode_t mode) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, mode) < 0 && errno != EEXIST) die("mkdir %s", buf);
      *p = '/';
    }
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST) die("mkdir %s", buf);
}

/* DIR is DIR itself or a folder above PATH (both absolute, normalized). */
static int is_prefix(const char *dir, const char *path) {
  size_t n = strlen(dir);
  return strncmp(dir, path, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* An absolute path without empty, "." or ".." components: the same path on both sides of a bind. */
static int normalized(const char *path) {
  if (path[0] != '/' || strlen(path) >= 2048) return 0;
  for (const char *p = path; *p;) {
    const char *c = p + 1, *e = strchr(c, '/');
    size_t n = e ? (size_t)(e - c) : strlen(c);
    if ((n == 0 && e) || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return 0;
    if (!e) break;
    p = e;
  }
  return 1;
}

/* For a bind under /tmp: mount a small tmpfs at /tmp/<first component> of the new root (once), in
   which the folders leading to the bind are made; it is made read-only after the last bind. */
static void skeleton_for(const char *src) {
  if (strncmp(src, "/tmp/", 5) != 0) return;
  char top[4096];
  const char *slash = strchr(src + 5, '/');
  if (!slash) return; /* /tmp/NAME itself: the bind is the mount point */
  snprintf(top, sizeof top, "/.new%.*s", (int)(slash - src), src);
  for (int i = 0; i < nskeletons; i++)
    if (strcmp(skeletons[i], top) == 0) return;
  struct stat st;
  if (lstat(top, &st) == 0) return; /* already there (a bind of /tmp/NAME): folders go in it */
  mkdirs(top, 0755);
  if (mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,nr_inodes=256,mode=0755") < 0)
    die("mount skeleton %s", top);
  snprintf(skeletons[nskeletons++], sizeof skeletons[0], "%s", top);
}

/* Bind host path SRC (seen under /.old) read-only at the same path in the new root. */
static void bind_ro(const char *src) {
  char from[4096], to[4096];
  struct stat st;
  snprintf(from, sizeof from, "/.old%s", src);
  snprintf(to, sizeof to, "/.new%s", src);
  if (lstat(from, &st) < 0) return; /* absent on this host: nothing to bind */
  skeleton_for(src);
  if (S_ISLNK(st.st_mode)) {        /* e.g. /bin -> usr/bin: copy the link */
    char target[4096];
    ssize_t n = readlink(from, target, sizeof target - 1);
    if (n < 0) die("readlink %s", from);
    target[n] = 0;
    char *slash = strrchr(to, '/');
    *slash = 0;
    mkdirs(to, 0755);
    *slash = '/';
    if (symlink(target, to) < 0 && errno != EEXIST) die("symlink %s", to);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    mkdirs(to, 0755);
  } else {
    char *slash = strrchr(to, '/');
    *slash = 0;
    mkdirs(to, 0755);
    *slash = '/';
    int fd = open(to, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) die("create %s", to);
    close(fd);
  }
  if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind %s", src);
  struct statvfs sv;
  unsigned long keep = 0;
  if (statvfs(from, &sv) == 0) { /* flags locked by the host mount must be repeated */
    if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
    if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
  }
  unsigned long dev = S_ISCHR(st.st_mode) ? 0 : MS_NODEV;
  if (mount(NULL, to, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | dev | keep, NULL) < 0)
    die("remount read-only %s", src);
}

static void drop_capabilities(void) {
  for (int cap = 0; cap <= 63; cap++) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &hdr, data) < 0) die("capset");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs");
}

/* Every process in the sandbox: no ptrace and no cross-process memory access (process_vm_readv/writev),
   so a program's child cannot read or write the memory of the harness that judges the program (same
   uid, and /proc may be absent but addresses can be probed); system calls of another architecture's
   calling convention are refused too. (forkjob.c adds the Python child's own filter on top.) */
static void deny_memory_access(void) {
#if defined(__x86_64__) || defined(__aarch64__)
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
#if defined(__x86_64__)
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
#else
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 1, 0),
#endif
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 3, 0), /* x32 system calls */
#else
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU, 3, 0), /* (no x32 on arm64: never taken) */
#endif
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ptrace, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_writev, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) die("seccomp");
#endif
}

static void set_limit(int resource, unsigned long long value) {
  struct rlimit rl = {value, value};
  if (setrlimit(resource, &rl) < 0) die("setrlimit %d", resource);
}

static void write_at(int dirfd, const char *name, const char *text) {
  int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die("write /proc/self/%s", name);
  close(fd);
}

int main(int argc, char **argv) {
  long tmp_mb = 64, cpu_s = 0, data_mb = 0, as_mb = 0, nproc = 0, fsize = 0, nofile = 0;
  int status_fd = -1, opt, with_proc = 1;
  static const struct option long_opts[] = {{"no-proc", no_argument, NULL, 'P'}, {NULL, 0, NULL, 0}};
  while ((opt = getopt_long(argc, argv, "+r:t:c:d:a:n:f:o:s:P", long_opts, NULL)) != -1) {
    switch (opt) {
      case 'r':
        if (!normalized(optarg) || strcmp(optarg, "/") == 0 || is_prefix(optarg, "/tmp") || is_prefix("/proc", optarg)) {
          fprintf(stderr, "verdict-sandbox: -r %s: not a bindable path (absolute, normalized, not /, /tmp or /proc)\n", optarg);
          return 125;
        }
        if (nbinds == MAX_BINDS) { fprintf(stderr, "verdict-sandbox: more than %d -r paths\n", MAX_BINDS); return 125; }
        binds[nbinds++] = optarg;
        break;
      case 'P': with_proc = 0; break;
      case 't': tmp_mb = atol(optarg); break;
      case 'c': cpu_s = atol(optarg); break;
      case 'd': data_mb = atol(optarg); break;
      case 'a': as_mb = atol(optarg); break;
      case 'n': nproc = atol(optarg); break;
      case 'f': fsize = atol(optarg); break;
      case 'o': nofile = atol(optarg); break;
      case 's': status_fd = atoi(optarg); break;
      default: fprintf(stderr, "verdict-sandbox: bad option\n"); return 125;
    }
  }
  if (optind >= argc) { fprintf(stderr, "verdict-sandbox: no command\n"); return 125; }

  uid_t uid = geteuid();
  gid_t gid = getegid();
  int sync_pipe[2];
  if (pipe2(sync_pipe, O_CLOEXEC) < 0) die("pipe");
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

  pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
                                              CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, NULL, NULL, NULL, 0);
  if (child < 0) die("clone (are user namespaces enabled?)");

  if (child > 0) { /* ---- parent: outside ---- */
    close(sync_pipe[0]);
    char path[64], map[128];
    if (uid == 0) {
      snprintf(map, sizeof map, "0 0 1\n%d %d 1\n", NOBODY, NOBODY);
      snprintf(path, sizeof path, "/proc/%d/uid_map", child); write_file(path, map);
      snprintf(path, sizeof path, "/proc/%d/gid_map", child); write_file(path, map);
    } else {
      snprintf(path, sizeof path, "/proc/%d/setgroups", child); write_file(path, "deny");
      snprintf(map, sizeof map, "0 %d 1\n", uid);
      snprintf(path, sizeof path, "/proc/%d/uid_map", child); write_file(path, map);
      snprintf(map, sizeof map, "0 %d 1\n", gid);
      snprintf(path, sizeof path, "/proc/%d/gid_map", child); write_file(path, map);
    }
    if (write(sync_pipe[1], "x", 1) != 1) die("sync");
    close(sync_pipe[1]);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    int st;
    struct rusage ru;
    while (wait4(child, &st, 0, &ru) < 0)
      if (errno != EINTR) die("wait");
    if (status_fd >= 0) {
      char line[160];
      long cpu = ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000 + ru.ru_stime.tv_sec * 1000L +
                 ru.ru_stime.tv_usec / 1000;
      int n = snprintf(line, sizeof line, "exit=%d signal=%d maxrss_kb=%ld cpu_ms=%ld\n",
                       WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0,
                       ru.ru_maxrss, cpu);
      if (write(status_fd, line, n) < 0) { /* supervisor gone: nothing to report to */ }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

  /* ---- child: pid 1 of the new namespaces ---- */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  close(sync_pipe[1]);
  char c;
  if (read(sync_pipe[0], &c, 1) != 1) _exit(125); /* parent died before mapping */
  close(sync_pipe[0]);
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) die("become namespace root");

  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make / private");
  static const char *system_paths[] = {"/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin",
                                       "/etc/ld.so.cache", "/etc/localtime", "/dev/null", "/dev/zero",
                                       "/dev/urandom", "/dev/random", NULL};
  /* New root: a tmpfs on a scratch host folder that is neither a bind source nor above one (so it
     never stands between a source and /.old), entered with pivot_root; the old root stays
     reachable at /.old until every bind mount is made, then it is detached. */
  static const char *scratch_dirs[] = {"/mnt", "/media", "/srv", "/opt", "/run", "/var/tmp", "/tmp", "/var", NULL};
  const char *scratch = NULL;
  for (int i = 0; scratch_dirs[i] && !scratch; i++) {
    struct stat st;
    int clash = lstat(scratch_dirs[i], &st) < 0 || !S_ISDIR(st.st_mode);
    for (int j = 0; !clash && j < nbinds; j++) clash = is_prefix(scratch_dirs[i], binds[j]);
    for (int j = 0; !clash && system_paths[j]; j++) clash = is_prefix(scratch_dirs[i], system_paths[j]);
    if (!clash) scratch = scratch_dirs[i];
  }
  if (!scratch) { errno = ENOENT; die("no scratch folder for the new root"); }
  if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0) die("mount root tmpfs");
  if (chdir(scratch) < 0 || mkdir(".new", 0755) < 0 || mkdir(".old", 0755) < 0) die("mkdir root");
  if (mount("tmpfs", ".new", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0) die("mount root");
  if (syscall(SYS_pivot_root, ".", ".old") < 0) die("pivot_root");
  if (chdir("/") < 0) die("chdir /");

  /* The writable /tmp first: binds under /tmp are mounted on top of it and stay visible. noexec: a
     program cannot run or load (dlopen, mmap PROT_EXEC) machine code it wrote, which would put it
     beside the harness in its own process with the run of its memory. */
  mkdirs("/.new/tmp", 01777);
  char tmp_opts[64];
  snprintf(tmp_opts, sizeof tmp_opts, "size=%ldm,mode=0777,nr_inodes=4096", tmp_mb);
  if (mount("tmpfs", "/.new/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, tmp_opts) < 0) die("mount /tmp");
  for (int i = 0; system_paths[i]; i++) bind_ro(system_paths[i]);
  for (int i = 0; i < nbinds; i++) bind_ro(binds[i]);
  for (int i = 0; i < nskeletons; i++)
    if (mount(NULL, skeletons[i], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
      die("remount read-only %s", skeletons[i] + 5);
  /* Without -P: a fresh /proc. With -P but started unprivileged, /proc is still needed once, to
     write the nested user namespace's id maps: it is mounted at /.proc, kept open as a folder fd
     and detached before the command starts. */
  int nested_maps = uid != 0 && !with_proc;
  const char *proc_at = with_proc ? "/.new/proc" : nested_maps ? "/.new/.proc" : NULL;
  if (proc_at) {
    mkdirs(proc_at, 0555);
    if (mount("proc", proc_at, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) die("mount /proc");
  }
  if (with_proc && symlink("/proc/self/fd", "/.new/dev/fd") < 0) { /* /dev may be absent: not needed */ }

  mkdirs("/.new/.old", 0755);
  if (chdir("/.new") < 0 || syscall(SYS_pivot_root, ".", ".old") < 0) die("pivot_root 2");
  if (umount2("/.old", MNT_DETACH) < 0) die("detach old root");
  rmdir("/.old");
  int self_dir = -1; /* /proc/self, for the nested user namespace's id maps */
  if (uid != 0) {
    self_dir = open(with_proc ? "/proc/self" : "/.proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (self_dir < 0) die("open /proc/self");
  }
  if (nested_maps) {
    if (umount2("/.proc", MNT_DETACH) < 0) die("detach /.proc");
    if (rmdir("/.proc") < 0) die("rmdir /.proc");
  }
  if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
    die("remount / read-only");
  sethostname("sandbox", 7);

  if (uid == 0) { /* run as host nobody: no capability survives the uid change */
    if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
      die("drop to nobody");
  } else { /* one more user namespace, so the command's uid is not 0 even inside */
    if (unshare(CLONE_NEWUSER) < 0) die("nested user namespace");
    write_at(self_dir, "setgroups", "deny");
    write_at(self_dir, "uid_map", "65534 0 1\n");
    write_at(self_dir, "gid_map", "65534 0 1\n");
    if (setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0) die("drop to nobody");
  }
  if (self_dir >= 0) close(self_dir);
  drop_capabilities();
  deny_memory_access();
  /* Changing credentials cleared the parent-death signal: set it again, so killing the outside
     parent always takes the whole namespace down. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (chdir("/tmp") < 0) die("chdir /tmp");

  if (cpu_s > 0) set_limit(RLIMIT_CPU, cpu_s);
  if (data_mb > 0) set_limit(RLIMIT_DATA, (unsigned long long)data_mb << 20);
  if (as_mb > 0) set_limit(RLIMIT_AS, (unsigned long long)as_mb << 20);
  if (nproc > 0) set_limit(RLIMIT_NPROC, nproc);
  if (fsize > 0) set_limit(RLIMIT_FSIZE, fsize);
  if (nofile > 0) set_limit(RLIMIT_NOFILE, nofile);
  set_limit(RLIMIT_CORE, 0);
  if (status_fd >= 0) close(status_fd);

  char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
                 "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0", NULL};
  execve(argv[optind], argv + optind, env);
  die("exec %s", argv[optind]);
}
