/*
 * vigil-spawn: a long-lived co-process that runs monitoring plugins for Vigil.
 *
 * Node's child_process costs ~0.6 ms of event-loop CPU per spawn; this helper moves
 * spawning, output collection, timeouts and process-group cleanup out of the event
 * loop. Node talks to it over stdin/stdout with little-endian length-prefixed frames.
 *
 * Request (stdin), all fields uint32 LE:
 *   len          bytes after this field
 *   type         1 = run, 2 = cancel
 *   id           caller's request id
 *   run:    timeout_ms, max_output, argc, then argc NUL-terminated strings
 *   cancel: nothing more
 *
 * Response (stdout), all fields uint32 LE unless noted:
 *   len          bytes after this field
 *   id
 *   exit_code    int32, -1 when the child did not exit normally
 *   signal       terminating signal number or 0
 *   flags        1 timed out, 2 truncated, 4 spawn failed, 8 cancelled
 *   err          errno when spawn failed, else 0
 *   duration_us  spawn to exit
 *   out_len, err_len, then the stdout bytes and the stderr bytes
 *
 * Every child runs in its own process group so that a timeout or the end of the
 * main child can kill everything it forked. Linux only (epoll, signalfd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define REQ_RUN 1u
#define REQ_CANCEL 2u

#define FLAG_TIMED_OUT 1u
#define FLAG_TRUNCATED 2u
#define FLAG_SPAWN_FAILED 4u
#define FLAG_CANCELLED 8u

/* A request larger than this is refused (the argv of a plugin is small). */
#define MAX_FRAME (4u * 1024u * 1024u)
#define MAX_ARGC 65536u
/* Between SIGTERM and SIGKILL of a timed-out process group. */
#define KILL_GRACE_MS 1000
/* After the main child exits, how long to wait for EOF from pipes held by processes
 * that escaped the process group (setsid) before giving up on them. */
#define DRAIN_MS 200

#define TAG_STDIN 0xffffffffu
#define TAG_SIGNAL 0xfffffffeu
#define TAG_STDOUT 0xfffffffdu

typedef struct {
  char *data;
  uint32_t len;
  uint32_t cap;
} buffer_t;

typedef struct {
  int fd; /* -1 once closed */
  buffer_t buf;
} stream_t;

typedef struct {
  int active;
  uint32_t id;
  pid_t pid; /* 0 once reaped */
  int status;
  uint32_t flags;
  uint32_t max_output;
  int kill_stage; /* 0 none, 1 SIGTERM sent, 2 SIGKILL sent */
  int64_t started_us;
  int64_t exited_us;
  int64_t deadline_us; /* next timer: timeout, kill grace, or drain end; 0 = none */
  stream_t out[2];
} job_t;

static job_t *jobs;
static uint32_t jobs_cap;
static uint32_t jobs_high; /* slots [0, jobs_high) may be active */
static uint32_t *free_slots;
static uint32_t free_count;
static uint32_t active_count;

static int epfd = -1;
static int sigfd = -1;
static int stdin_open = 1;

static buffer_t inbuf;
static uint32_t discard_left; /* bytes of an oversized frame still to skip */
static buffer_t outbuf;
static uint32_t outbuf_sent;
static int stdout_waiting; /* EPOLLOUT registered */

static char scratch[65536];

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what) {
  fprintf(stderr, "vigil-spawn: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int buf_reserve(buffer_t *b, uint32_t extra) {
  if ((uint64_t)b->len + extra <= b->cap) return 0;
  uint64_t want = b->cap ? b->cap : 4096;
  while (want < (uint64_t)b->len + extra) want *= 2;
  if (want > 0xffffffffu) return -1;
  char *p = realloc(b->data, (size_t)want);
  if (!p) return -1;
  b->data = p;
  b->cap = (uint32_t)want;
  return 0;
}

static void buf_free(buffer_t *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static uint32_t get_u32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void put_u32(char *p, uint32_t v) {
  p[0] = (char)(v & 0xff);
  p[1] = (char)((v >> 8) & 0xff);
  p[2] = (char)((v >> 16) & 0xff);
  p[3] = (char)((v >> 24) & 0xff);
}

static void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void flush_stdout(void) {
  while (outbuf_sent < outbuf.len) {
    ssize_t n = write(1, outbuf.data + outbuf_sent, outbuf.len - outbuf_sent);
    if (n > 0) {
      outbuf_sent += (uint32_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (!stdout_waiting) {
        struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = TAG_STDOUT};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, 1, &ev) == 0) stdout_waiting = 1;
      }
      return;
    } else {
      /* Node is gone: nobody wants the results, stop like on stdin EOF. */
      stdin_open = 0;
      outbuf.len = outbuf_sent = 0;
      return;
    }
  }
  outbuf.len = outbuf_sent = 0;
  if (stdout_waiting) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, 1, NULL);
    stdout_waiting = 0;
  }
}

static void send_response(uint32_t id, int32_t exit_code, uint32_t sig, uint32_t flags, uint32_t err,
                          uint32_t duration_us, const buffer_t *out, const buffer_t *errb) {
  uint32_t out_len = out ? out->len : 0;
  uint32_t err_len = errb ? errb->len : 0;
  uint64_t total = 36ull + out_len + err_len;
  if (total > 0xffffffffu || buf_reserve(&outbuf, (uint32_t)total) != 0) {
    /* Cannot buffer this much: report it without output rather than dropping it. */
    out_len = err_len = 0;
    flags |= FLAG_TRUNCATED;
    total = 36;
    if (buf_reserve(&outbuf, 36) != 0) die("out of memory");
  }
  char *p = outbuf.data + outbuf.len;
  put_u32(p, (uint32_t)(total - 4));
  put_u32(p + 4, id);
  put_u32(p + 8, (uint32_t)exit_code);
  put_u32(p + 12, sig);
  put_u32(p + 16, flags);
  put_u32(p + 20, err);
  put_u32(p + 24, duration_us);
  put_u32(p + 28, out_len);
  put_u32(p + 32, err_len);
  if (out_len) memcpy(p + 36, out->data, out_len);
  if (err_len) memcpy(p + 36 + out_len, errb->data, err_len);
  outbuf.len += (uint32_t)total;
}

static void close_stream(stream_t *s) {
  if (s->fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
    close(s->fd);
    s->fd = -1;
  }
}

static void release_slot(uint32_t slot) {
  job_t *j = &jobs[slot];
  buf_free(&j->out[0].buf);
  buf_free(&j->out[1].buf);
  j->active = 0;
  free_slots[free_count++] = slot;
  active_count--;
}

static void maybe_finish(uint32_t slot) {
  job_t *j = &jobs[slot];
  if (j->pid != 0 || j->out[0].fd >= 0 || j->out[1].fd >= 0) return;
  int32_t code = -1;
  uint32_t sig = 0;
  if (WIFEXITED(j->status)) code = WEXITSTATUS(j->status);
  else if (WIFSIGNALED(j->status)) sig = (uint32_t)WTERMSIG(j->status);
  int64_t dur = j->exited_us - j->started_us;
  if (dur < 0) dur = 0;
  if (dur > 0xffffffffll) dur = 0xffffffffll;
  send_response(j->id, code, sig, j->flags, 0, (uint32_t)dur, &j->out[0].buf, &j->out[1].buf);
  release_slot(slot);
}

static uint32_t alloc_slot(void) {
  if (free_count > 0) return free_slots[--free_count];
  if (jobs_high == jobs_cap) {
    uint32_t ncap = jobs_cap ? jobs_cap * 2 : 256;
    job_t *nj = realloc(jobs, sizeof(job_t) * ncap);
    uint32_t *nf = realloc(free_slots, sizeof(uint32_t) * ncap);
    if (!nj || !nf) die("out of memory");
    jobs = nj;
    free_slots = nf;
    jobs_cap = ncap;
  }
  return jobs_high++;
}

static void start_job(uint32_t id, uint32_t timeout_ms, uint32_t max_output, char **argv) {
  int outp[2] = {-1, -1}, errp[2] = {-1, -1};
  int64_t started = now_us();
  if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
    int e = errno;
    if (outp[0] >= 0) {
      close(outp[0]);
      close(outp[1]);
    }
    send_response(id, -1, 0, FLAG_SPAWN_FAILED, (uint32_t)e, 0, NULL, NULL);
    return;
  }

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
  posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(outp[1]);
  close(errp[1]);
  if (rc != 0) {
    close(outp[0]);
    close(errp[0]);
    send_response(id, -1, 0, FLAG_SPAWN_FAILED, (uint32_t)rc, 0, NULL, NULL);
    return;
  }

  uint32_t slot = alloc_slot();
  job_t *j = &jobs[slot];
  memset(j, 0, sizeof(*j));
  j->active = 1;
  j->id = id;
  j->pid = pid;
  j->max_output = max_output;
  j->started_us = started;
  j->deadline_us = timeout_ms ? started + (int64_t)timeout_ms * 1000 : 0; /* 0: no timeout */
  j->out[0].fd = outp[0];
  j->out[1].fd = errp[0];
  active_count++;
  for (int s = 0; s < 2; s++) {
    set_nonblock(j->out[s].fd);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((uint64_t)slot << 1) | (uint64_t)s};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, j->out[s].fd, &ev) != 0) die("epoll_ctl");
  }
}

static void signal_group(job_t *j, int sig) {
  /* Only called while the leader is unreaped (alive or zombie), so its pid, which is
   * also the group id, cannot have been reused by an unrelated process. */
  if (j->pid > 0) kill(-j->pid, sig);
}

static void begin_kill(job_t *j, uint32_t why, int64_t now) {
  if (j->pid == 0 || j->kill_stage > 0) return;
  j->flags |= why;
  signal_group(j, SIGTERM);
  j->kill_stage = 1;
  j->deadline_us = now + KILL_GRACE_MS * 1000;
}

static void cancel_job(uint32_t id) {
  for (uint32_t i = 0; i < jobs_high; i++) {
    if (jobs[i].active && jobs[i].id == id) {
      begin_kill(&jobs[i], FLAG_CANCELLED, now_us());
      return;
    }
  }
}

static void handle_frame(const char *p, uint32_t len) {
  if (len < 8) return; /* too short to carry even an id: nothing to answer */
  uint32_t type = get_u32(p);
  uint32_t id = get_u32(p + 4);
  if (type == REQ_CANCEL) {
    cancel_job(id);
    return;
  }
  if (type != REQ_RUN || len < 20) {
    send_response(id, -1, 0, FLAG_SPAWN_FAILED, EINVAL, 0, NULL, NULL);
    return;
  }
  uint32_t timeout_ms = get_u32(p + 8);
  uint32_t max_output = get_u32(p + 12);
  uint32_t argc = get_u32(p + 16);
  const char *s = p + 20;
  const char *end = p + len;
  if (argc == 0 || argc > MAX_ARGC || (uint32_t)(end - s) < argc) {
    send_response(id, -1, 0, FLAG_SPAWN_FAILED, EINVAL, 0, NULL, NULL);
    return;
  }
  char **argv = malloc(sizeof(char *) * (argc + 1));
  if (!argv) die("out of memory");
  for (uint32_t i = 0; i < argc; i++) {
    const char *nul = memchr(s, '\0', (size_t)(end - s));
    if (!nul) {
      free(argv);
      send_response(id, -1, 0, FLAG_SPAWN_FAILED, EINVAL, 0, NULL, NULL);
      return;
    }
    argv[i] = (char *)s;
    s = nul + 1;
  }
  argv[argc] = NULL;
  if (argv[0][0] == '\0') {
    free(argv);
    send_response(id, -1, 0, FLAG_SPAWN_FAILED, ENOENT, 0, NULL, NULL);
    return;
  }
  start_job(id, timeout_ms, max_output, argv);
  free(argv);
}

static void read_stdin(void) {
  for (;;) {
    if (buf_reserve(&inbuf, 65536) != 0) die("out of memory");
    ssize_t n = read(0, inbuf.data + inbuf.len, inbuf.cap - inbuf.len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      stdin_open = 0;
      epoll_ctl(epfd, EPOLL_CTL_DEL, 0, NULL);
      break;
    }
    inbuf.len += (uint32_t)n;
    if (inbuf.len < inbuf.cap) break; /* the pipe is empty for now */
  }
  uint32_t pos = 0;
  for (;;) {
    if (discard_left > 0) {
      uint32_t take = inbuf.len - pos < discard_left ? inbuf.len - pos : discard_left;
      pos += take;
      discard_left -= take;
      if (discard_left > 0) break;
    }
    if (inbuf.len - pos < 4) break;
    uint32_t len = get_u32(inbuf.data + pos);
    if (len > MAX_FRAME) {
      /* Answer if the id is already here, then skip the frame without buffering it. */
      if (inbuf.len - pos >= 12) {
        send_response(get_u32(inbuf.data + pos + 8), -1, 0, FLAG_SPAWN_FAILED, E2BIG, 0, NULL, NULL);
      }
      pos += 4;
      discard_left = len;
      continue;
    }
    if (inbuf.len - pos - 4 < len) break;
    handle_frame(inbuf.data + pos + 4, len);
    pos += 4 + len;
  }
  if (pos > 0) {
    memmove(inbuf.data, inbuf.data + pos, inbuf.len - pos);
    inbuf.len -= pos;
  }
  /* Give back memory after a large burst of requests. */
  if (inbuf.len == 0 && inbuf.cap > (1u << 20)) buf_free(&inbuf);
}

/* Reads what the stream holds now, up to max_rounds reads (0: until it would block or
 * ends); closes it at EOF. */
static void drain_stream(job_t *j, int which, int max_rounds) {
  stream_t *st = &j->out[which];
  for (int rounds = 0; (max_rounds == 0 || rounds < max_rounds) && st->fd >= 0; rounds++) {
    uint32_t room = st->buf.len < j->max_output ? j->max_output - st->buf.len : 0;
    char *dst;
    size_t want;
    if (room > 0) {
      if (buf_reserve(&st->buf, room < 65536 ? room : 65536) != 0) die("out of memory");
      dst = st->buf.data + st->buf.len;
      want = st->buf.cap - st->buf.len;
      if (want > room) want = room;
    } else {
      /* Over the cap: keep draining so the child never blocks on a full pipe. */
      dst = scratch;
      want = sizeof(scratch);
    }
    ssize_t n = read(st->fd, dst, want);
    if (n > 0) {
      if (room > 0) st->buf.len += (uint32_t)n;
      else j->flags |= FLAG_TRUNCATED;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_stream(st); /* EOF or error */
  }
}

static void read_stream(uint32_t slot, int which) {
  drain_stream(&jobs[slot], which, 16);
  maybe_finish(slot);
}

static void reap_children(void) {
  for (;;) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    /* WNOWAIT: the exited child stays a zombie while its group is killed, so the
     * group id cannot be recycled between the exit and the kill. */
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    pid_t pid = info.si_pid;
    kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int64_t now = now_us();
    for (uint32_t i = 0; i < jobs_high; i++) {
      job_t *j = &jobs[i];
      if (!j->active || j->pid != pid) continue;
      j->pid = 0;
      j->status = status;
      j->exited_us = now;
      j->deadline_us = now + DRAIN_MS * 1000;
      maybe_finish(i);
      break;
    }
  }
}

static void run_timers(int64_t now) {
  for (uint32_t i = 0; i < jobs_high; i++) {
    job_t *j = &jobs[i];
    if (!j->active || j->deadline_us == 0 || j->deadline_us > now) continue;
    if (j->pid == 0) {
      /* Exited, but something outside its group still holds the pipes. Keep what is
       * already in them first: on a busy machine this timer can come before the
       * pipes' own readiness events. */
      drain_stream(j, 0, 0);
      drain_stream(j, 1, 0);
      close_stream(&j->out[0]);
      close_stream(&j->out[1]);
      maybe_finish(i);
    } else if (j->kill_stage == 0) {
      begin_kill(j, FLAG_TIMED_OUT, now);
    } else {
      signal_group(j, SIGKILL);
      j->kill_stage = 2;
      j->deadline_us = now + KILL_GRACE_MS * 1000; /* repeat until it is reaped */
    }
  }
}

static int next_timeout_ms(int64_t now) {
  int64_t next = 0;
  for (uint32_t i = 0; i < jobs_high; i++) {
    job_t *j = &jobs[i];
    if (j->active && j->deadline_us && (next == 0 || j->deadline_us < next)) next = j->deadline_us;
  }
  if (next == 0) return -1;
  int64_t ms = (next - now + 999) / 1000;
  if (ms < 0) ms = 0;
  if (ms > 60000) ms = 60000;
  return (int)ms;
}

static void shutdown_all(void) {
  for (uint32_t i = 0; i < jobs_high; i++) {
    if (jobs[i].active && jobs[i].pid > 0) kill(-jobs[i].pid, SIGKILL);
  }
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
  }
}

static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = rl.rlim_max;
  /* Some plugins close every fd up to the limit; keep it sane. */
  if (want == RLIM_INFINITY || want > 65536) want = 65536;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) != 0) die("sigprocmask");
  sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) die("signalfd");
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1");

  /* stdin/stdout must not leak into children beyond the dup2 replacements. */
  fcntl(0, F_SETFD, FD_CLOEXEC);
  fcntl(1, F_SETFD, FD_CLOEXEC);
  set_nonblock(0);
  set_nonblock(1);

  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_STDIN};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) != 0) die("epoll_ctl stdin");
  ev.data.u64 = TAG_SIGNAL;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev) != 0) die("epoll_ctl signalfd");

  struct epoll_event events[256];
  while (stdin_open) {
    int n = epoll_wait(epfd, events, 256, next_timeout_ms(now_us()));
    if (n < 0 && errno != EINTR) die("epoll_wait");
    int got_signal = 0;
    for (int i = 0; i < n; i++) {
      uint64_t tag = events[i].data.u64;
      if (tag == TAG_STDIN) {
        read_stdin();
      } else if (tag == TAG_SIGNAL) {
        got_signal = 1;
      } else if (tag == TAG_STDOUT) {
        flush_stdout();
      } else {
        uint32_t slot = (uint32_t)(tag >> 1);
        int which = (int)(tag & 1);
        /* A stream closed earlier in this batch may still have a stale event. */
        if (slot < jobs_high && jobs[slot].active && jobs[slot].out[which].fd >= 0) read_stream(slot, which);
      }
    }
    if (got_signal) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof(si)) > 0) {
      }
      reap_children();
    }
    run_timers(now_us());
    if (outbuf.len > outbuf_sent && !stdout_waiting) flush_stdout();
  }
  shutdown_all();
  return 0;
}
