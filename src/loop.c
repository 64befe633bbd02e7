/*
** loop.c: epoll + libcurl multi (socket-driven) + timer heap + self-pipe for signals + reaping
** of child processes.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include "curlapi.h"
#include "dynlib.h"
#include "loop.h"
#include "http.h"

/* What an epoll event is about: kept in the top bits of data.u64, the descriptor below. */
enum { TAG_SIGNAL = 1, TAG_CURL, TAG_WATCH };
#define EV_DATA(tag, fd) (((uint64_t)(tag) << 32) | (uint32_t)(fd))

/*
** A child the loop reaps. h is the handle watching it, or NULL when nobody watches (its handle
** was cancelled or collected): it is still reaped, so no zombie is left behind. keep: a Process
** object may still ask for the status, so a child reaped unwatched stays listed until released.
*/
typedef struct lb_child {
  pid_t pid;
  lb_handle *h;
  int keep;
  int reaped, wstatus;  /* exited while unwatched */
} lb_child;

struct lb_loop {
  int epfd;
  CURLM *multi;
  double curl_deadline;         /* when libcurl wants its timeout action; < 0: never */
  lb_timerheap timers;
  lb_handle *ready_head, *ready_tail;
  lb_handle **watchers;         /* indexed by descriptor */
  int nwatchers;
  int pending;
  lb_child *children;           /* unordered: few entries, scanned on every poll */
  int nchildren, capchildren;
  /* HTTP: at most http_limit transfers run at once (LAKEBASE_MAX_REQUESTS); the rest wait in a
     FIFO without an easy handle, and finished transfers' easy handles are reset and reused. A
     fan-out of 500 waits then holds 64 easy handles and connections, not 500. */
  int http_limit, http_active;
  lb_handle *queue_head, *queue_tail;
  CURL **idle;
  int nidle;
  char errmsg[160];
  lb_loop_stats stats;
};

/* Signals arrive through a self-pipe so that epoll_wait wakes up. */
static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t sig_last, sig_unread;
static volatile sig_atomic_t unread_for;  /* seconds the current signal has gone unread */

static void (*on_stuck)(int sig);

static void on_signal(int sig) {
  int saved = errno;
  if (sig_unread) {
    /* The previous signal was never picked up: the host is stuck, so give up at once. */
    signal(sig, SIG_DFL);
    raise(sig);
  }
  sig_last = sig;
  sig_unread = 1;
  unread_for = 0;
  if (sig_pipe[1] >= 0 && write(sig_pipe[1], "s", 1) < 0) { /* pipe full: a wakeup is queued */ }
  /* A script busy in code that never waits never returns to the loop: if the signal is still
     unread a second from now, on_alarm has the running code interrupted where it is. */
  if (on_stuck) alarm(1);
  errno = saved;
}

/* Each second a signal stays unread, the running code is interrupted again (it may have caught
   the interruption); after five, the process ends as a second signal would end it. */
static void on_alarm(int sig) {
  int saved = errno;
  (void)sig;
  if (sig_unread && on_stuck) {
    unread_for = unread_for + 1;
    if (unread_for >= 5) {
      signal(sig_last, SIG_DFL);
      raise(sig_last);
    }
    on_stuck(sig_last);
    alarm(1);
  }
  errno = saved;
}

void lb_loop_on_stuck(void (*fn)(int sig)) { on_stuck = fn; }

/* SIGCHLD only wakes epoll_wait; it is not an interrupt (sig_last/sig_unread stay untouched). */
static void on_sigchld(int sig) {
  int saved = errno;
  (void)sig;
  if (sig_pipe[1] >= 0 && write(sig_pipe[1], "c", 1) < 0) { /* pipe full: a wakeup is queued */ }
  errno = saved;
}

double lb_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_ready(lb_loop *loop, lb_handle *h) {
  h->state = LB_READY;
  h->next_ready = NULL;
  if (loop->ready_tail) loop->ready_tail->next_ready = h;
  else loop->ready_head = h;
  loop->ready_tail = h;
  loop->pending--;
}

/* libcurl: start, change or stop watching one of its sockets. */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *ud, void *sockp) {
  lb_loop *loop = ud;
  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, s, NULL);
    lb_curl.multi_assign(loop->multi, s, NULL);
    return 0;
  }
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
  ev.data.u64 = EV_DATA(TAG_CURL, s);
  int op = sockp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(loop->epfd, op, s, &ev) != 0) {
    if (errno == ENOENT) epoll_ctl(loop->epfd, EPOLL_CTL_ADD, s, &ev);
    else if (errno == EEXIST) epoll_ctl(loop->epfd, EPOLL_CTL_MOD, s, &ev);
  }
  lb_curl.multi_assign(loop->multi, s, (void *)1);  /* marks "known" for the next call */
  return 0;
}

/* libcurl: when to call curl_multi_socket_action with CURL_SOCKET_TIMEOUT. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *ud) {
  lb_loop *loop = ud;
  (void)multi;
  loop->curl_deadline = timeout_ms < 0 ? -1.0 : lb_now() + (double)timeout_ms / 1000.0;
  return 0;
}

lb_curl_api lb_curl;

int lb_loop_http_init(lb_loop *loop, const char **err) {
  static void *libcurl;
  static const lb_dl_symbol symbols[] = {
#define LB_CURL_SYMBOL(name) {"curl_" #name, (void **)&lb_curl.name},
    LB_CURL_FUNCTIONS(LB_CURL_SYMBOL)
#undef LB_CURL_SYMBOL
    {NULL, NULL}
  };
  if (loop->multi != NULL) return 0;
  const char *v = getenv("LAKEBASE_MAX_REQUESTS");
  long limit = LB_HTTP_LIMIT;
  if (v != NULL && *v != '\0') {
    char *end;
    errno = 0;
    limit = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || limit < 1 || limit > 10000) {
      snprintf(loop->errmsg, sizeof loop->errmsg,
               "LAKEBASE_MAX_REQUESTS is '%.40s': expected a whole number from 1 to 10000", v);
      *err = loop->errmsg;
      return -1;
    }
  }
  free(loop->idle);  /* a previous attempt may have got this far before libcurl failed to load */
  if ((loop->idle = malloc((size_t)limit * sizeof *loop->idle)) == NULL) {
    *err = "out of memory";
    return -1;
  }
  loop->http_limit = (int)limit;
  if (lb_dl_load(LB_LIBCURL_SONAME, symbols, &libcurl, err) != 0) return -1;
  if (lb_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    *err = "libcurl could not be initialised";
    return -1;
  }
  if ((loop->multi = lb_curl.multi_init()) == NULL) {
    lb_curl.global_cleanup();
    *err = "libcurl could not be initialised";
    return -1;
  }
  lb_curl.multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
  lb_curl.multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, loop);
  lb_curl.multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  lb_curl.multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop);
  lb_curl.multi_setopt(loop->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  return 0;
}

lb_loop *lb_loop_new(const char **err) {
  lb_loop *loop = calloc(1, sizeof *loop);
  if (loop == NULL) {
    *err = "out of memory";
    return NULL;
  }
  loop->curl_deadline = -1.0;
  lb_timerheap_init(&loop->timers);
  loop->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (loop->epfd < 0) {
    *err = strerror(errno);
    free(loop);
    return NULL;
  }
  if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
  }
  if (sig_pipe[0] >= 0) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = EV_DATA(TAG_SIGNAL, sig_pipe[0]);
    epoll_ctl(loop->epfd, EPOLL_CTL_ADD, sig_pipe[0], &ev);
  }
  return loop;
}

void lb_loop_free(lb_loop *loop) {
  if (loop == NULL) return;
  /* Reap what has exited; children still running are left to init once we exit. */
  for (int i = 0; i < loop->nchildren; i++)
    if (!loop->children[i].reaped) waitpid(loop->children[i].pid, NULL, WNOHANG);
  free(loop->children);
  for (int i = 0; i < loop->nidle; i++) lb_curl.easy_cleanup(loop->idle[i]);
  free(loop->idle);
  if (loop->multi != NULL) {
    lb_curl.multi_cleanup(loop->multi);
    lb_curl.global_cleanup();
  }
  lb_timerheap_free(&loop->timers);
  free(loop->watchers);
  close(loop->epfd);
  free(loop);
}

int lb_loop_timer_start(lb_loop *loop, lb_handle *h, double seconds) {
  if (!(seconds >= 0)) seconds = 0;  /* also turns NaN into 0 */
  h->timer.deadline = lb_now() + seconds;
  if (lb_timerheap_push(&loop->timers, &h->timer) != 0) {
    errno = ENOMEM;
    return -1;
  }
  h->kind = LB_TIMER;
  h->state = LB_PENDING;
  loop->pending++;
  return 0;
}

int lb_loop_fd_start(lb_loop *loop, lb_handle *h, int fd, int events) {
  if (fd < 0) {
    errno = EBADF;
    return -1;
  }
  if (fd >= loop->nwatchers) {
    int n = loop->nwatchers ? loop->nwatchers : 64;
    while (n <= fd) n *= 2;
    lb_handle **w = realloc(loop->watchers, (size_t)n * sizeof *w);
    if (w == NULL) {
      errno = ENOMEM;
      return -1;
    }
    memset(w + loop->nwatchers, 0, (size_t)(n - loop->nwatchers) * sizeof *w);
    loop->watchers = w;
    loop->nwatchers = n;
  }
  if (loop->watchers[fd] != NULL) {
    errno = EBUSY;  /* one waiter per descriptor at a time */
    return -1;
  }
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (events & LB_EV_READ ? EPOLLIN | EPOLLRDHUP : 0) | (events & LB_EV_WRITE ? EPOLLOUT : 0);
  ev.data.u64 = EV_DATA(TAG_WATCH, fd);
  if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return -1;
  loop->watchers[fd] = h;
  h->kind = LB_FDWATCH;
  h->fd = fd;
  h->events = events;
  h->revents = 0;
  h->state = LB_PENDING;
  loop->pending++;
  return 0;
}

/* A request that could not start finishes now, with the reason libcurl (or the queue) gave. */
static void http_fail(lb_loop *loop, lb_handle *h, int code) {
  lb_http_finish(h->http, code);
  loop->stats.http_done++;
  make_ready(loop, h);
}

/* Takes the easy handle back from a request that stopped running; keeps it for the next one. */
static void http_release(lb_loop *loop, lb_handle *h) {
  CURL *easy = lb_http_detach(h->http);
  if (easy == NULL) return;
  loop->http_active--;
  if (loop->nidle < loop->http_limit) {
    lb_curl.easy_reset(easy);
    loop->idle[loop->nidle++] = easy;
  } else {
    lb_curl.easy_cleanup(easy);
  }
}

/* Gives request h a slot: an easy handle, configured, added to the multi handle. Returns 0, or
   a CURLcode (nonzero) when it could not start; h then holds no easy handle. */
static int http_launch(lb_loop *loop, lb_handle *h, double waited) {
  CURL *easy = loop->nidle > 0 ? loop->idle[--loop->nidle] : lb_curl.easy_init();
  if (easy == NULL) return CURLE_OUT_OF_MEMORY;
  loop->http_active++;
  int rc = lb_http_attach(h->http, easy, waited);
  if (rc == CURLE_OK) {
    lb_curl.easy_setopt(easy, CURLOPT_PRIVATE, (void *)h);
    if (lb_curl.multi_add_handle(loop->multi, easy) == CURLM_OK) return 0;
    rc = CURLE_FAILED_INIT;
  }
  http_release(loop, h);
  return rc;
}

/* Takes h out of the queue, and its timeout out of the timer heap. */
static void http_unqueue(lb_loop *loop, lb_handle *h) {
  lb_handle **p = &loop->queue_head, *prev = NULL;
  while (*p && *p != h) { prev = *p; p = &(*p)->next_queued; }
  if (*p) {
    *p = h->next_queued;
    if (loop->queue_tail == h) loop->queue_tail = prev;
  }
  h->next_queued = NULL;
  if (lb_http_timeout_ms(h->http) > 0) lb_timerheap_remove(&loop->timers, &h->timer);
}

/* Starts queued requests while slots are free. */
static void http_pump(lb_loop *loop) {
  while (loop->queue_head != NULL && loop->http_active < loop->http_limit) {
    lb_handle *h = loop->queue_head;
    http_unqueue(loop, h);
    int rc = http_launch(loop, h, lb_now() - h->queued_at);
    if (rc != 0) http_fail(loop, h, rc);
  }
}

int lb_loop_http_start(lb_loop *loop, lb_handle *h) {
  int queued = loop->http_active >= loop->http_limit || loop->queue_head != NULL;
  if (queued) {
    /* A queued request with a timeout expires on time, through the timer heap, even while
       every slot stays busy. */
    h->queued_at = lb_now();
    long timeout_ms = lb_http_timeout_ms(h->http);
    h->timer.deadline = h->queued_at + (double)timeout_ms / 1000.0;
    if (timeout_ms > 0 && lb_timerheap_push(&loop->timers, &h->timer) != 0) {
      errno = ENOMEM;
      return -1;
    }
  }
  h->kind = LB_HTTP;
  h->state = LB_PENDING;
  loop->pending++;
  loop->stats.http_started++;
  if (queued) {
    h->next_queued = NULL;
    if (loop->queue_tail) loop->queue_tail->next_queued = h;
    else loop->queue_head = h;
    loop->queue_tail = h;
    return 0;
  }
  /* A request libcurl refuses (an option it lacks, no memory) finishes at once with the reason. */
  int rc = http_launch(loop, h, 0);
  if (rc != 0) http_fail(loop, h, rc);
  return 0;
}

/* Withdraws a pending request: out of the queue, or off the multi handle with its slot freed. */
static void http_cancel(lb_loop *loop, lb_handle *h) {
  if (lb_http_easy(h->http) == NULL) {
    http_unqueue(loop, h);
    return;
  }
  lb_curl.multi_remove_handle(loop->multi, lb_http_easy(h->http));
  http_release(loop, h);
  http_pump(loop);
}

static lb_child *child_find(const lb_loop *loop, pid_t pid) {
  for (int i = 0; i < loop->nchildren; i++)
    if (loop->children[i].pid == pid) return &loop->children[i];
  return NULL;
}

static void child_remove(lb_loop *loop, lb_child *c) {
  *c = loop->children[--loop->nchildren];
}

int lb_loop_process_start(lb_loop *loop, lb_handle *h, pid_t pid) {
  if (pid <= 0) {
    errno = EINVAL;
    return -1;
  }
  lb_child *c = child_find(loop, pid);
  if (c != NULL && c->h != NULL) {
    errno = EBUSY;  /* one watcher per child at a time */
    return -1;
  }
  if (c == NULL) {
    if (loop->nchildren == loop->capchildren) {
      int n = loop->capchildren ? loop->capchildren * 2 : 16;
      lb_child *a = realloc(loop->children, (size_t)n * sizeof *a);
      if (a == NULL) {
        errno = ENOMEM;
        return -1;
      }
      loop->children = a;
      loop->capchildren = n;
    }
    c = &loop->children[loop->nchildren++];
    memset(c, 0, sizeof *c);
    c->pid = pid;
    c->keep = 1;
  }
  h->kind = LB_PROCESS;
  h->pid = pid;
  h->wstatus = -1;
  h->state = LB_PENDING;
  loop->pending++;
  if (c->reaped) {  /* exited while unwatched: the status is already known */
    h->wstatus = c->wstatus;
    child_remove(loop, c);
    make_ready(loop, h);
  } else {
    c->h = h;
  }
  return 0;
}

int lb_loop_process_state(const lb_loop *loop, pid_t pid, int *wstatus) {
  const lb_child *c = child_find(loop, pid);
  if (c == NULL) return LB_CHILD_UNKNOWN;
  if (!c->reaped) return LB_CHILD_RUNNING;
  *wstatus = c->wstatus;
  return LB_CHILD_REAPED;
}

void lb_loop_process_release(lb_loop *loop, pid_t pid) {
  lb_child *c = child_find(loop, pid);
  if (c == NULL) return;
  if (c->reaped) child_remove(loop, c);
  else c->keep = 0;
}

/* waitpid(WNOHANG) for every child not yet reaped; watched ones finish their handle. */
static void reap(lb_loop *loop) {
  int i = 0;
  while (i < loop->nchildren) {
    lb_child *c = &loop->children[i];
    int st = 0;
    pid_t r = c->reaped ? 0 : waitpid(c->pid, &st, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) {
      i++;
      continue;
    }
    if (r < 0) st = -2;  /* ECHILD: someone else reaped it; the status is lost */
    lb_handle *h = c->h;
    if (h != NULL) {
      h->wstatus = st;
      child_remove(loop, c);  /* moves the last entry to i: do not advance */
      make_ready(loop, h);
    } else if (c->keep) {
      c->reaped = 1;
      c->wstatus = st;
      i++;
    } else {
      child_remove(loop, c);
    }
  }
}

static void fd_stop(lb_loop *loop, lb_handle *h) {
  if (h->fd >= 0 && h->fd < loop->nwatchers && loop->watchers[h->fd] == h) {
    loop->watchers[h->fd] = NULL;
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, h->fd, NULL);
  }
}

void lb_loop_fd_closing(lb_loop *loop, int fd) {
  if (fd < 0 || fd >= loop->nwatchers || loop->watchers[fd] == NULL) return;
  lb_handle *h = loop->watchers[fd];
  h->revents = LB_EV_HUP | LB_EV_ERROR;
  fd_stop(loop, h);
  make_ready(loop, h);
}

void lb_loop_cancel(lb_loop *loop, lb_handle *h) {
  if (h->state == LB_READY) {  /* unlink from the ready queue */
    lb_handle **p = &loop->ready_head, *prev = NULL;
    while (*p && *p != h) { prev = *p; p = &(*p)->next_ready; }
    if (*p) {
      *p = h->next_ready;
      if (loop->ready_tail == h) loop->ready_tail = prev;
    }
    h->state = LB_CANCELLED;
    return;
  }
  if (h->state != LB_PENDING) return;
  switch (h->kind) {
    case LB_TIMER: lb_timerheap_remove(&loop->timers, &h->timer); break;
    case LB_FDWATCH: fd_stop(loop, h); break;
    case LB_HTTP: http_cancel(loop, h); break;
    case LB_PROCESS: {
      lb_child *c = child_find(loop, h->pid);
      if (c != NULL && c->h == h) c->h = NULL;  /* still reaped, by reap() */
      break;
    }
  }
  h->state = LB_CANCELLED;
  loop->pending--;
}

static void curl_collect(lb_loop *loop) {
  CURLMsg *msg;
  int left;
  if (loop->multi == NULL) return;  /* no HTTP request yet: libcurl is not even loaded */
  while ((msg = lb_curl.multi_info_read(loop->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *easy = msg->easy_handle;
    int code = (int)msg->data.result;  /* read before removing: msg is freed by removal */
    lb_handle *h = NULL;
    lb_curl.easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&h);
    lb_curl.multi_remove_handle(loop->multi, easy);
    if (h == NULL) continue;
    lb_http_finish(h->http, code);  /* reads the transfer's figures before its handle is reset */
    http_release(loop, h);
    loop->stats.http_done++;
    make_ready(loop, h);
  }
  http_pump(loop);
}

static void curl_act(lb_loop *loop, curl_socket_t s, int flags) {
  int running;
  lb_curl.multi_socket_action(loop->multi, s, flags, &running);
}

int lb_loop_poll(lb_loop *loop, double timeout) {
  loop->stats.polls++;
  reap(loop);  /* a child may have exited before its handle was registered */
  double now = lb_now();
  if (loop->ready_head) timeout = 0;
  lb_timer *t = lb_timerheap_peek(&loop->timers);
  if (t) {
    double d = t->deadline > now ? t->deadline - now : 0;
    if (timeout < 0 || d < timeout) timeout = d;
  }
  if (loop->curl_deadline >= 0) {
    double d = loop->curl_deadline > now ? loop->curl_deadline - now : 0;
    if (timeout < 0 || d < timeout) timeout = d;
  }
  if (timeout < 0 && loop->pending == 0) {
    if (!sig_unread) return 1;
    timeout = 0;
  }

  /* Round up so that a deadline 0.3 ms away does not turn into a busy spin. */
  int ms = timeout < 0 ? -1 : timeout <= 0 ? 0 : (int)ceil(timeout * 1000.0);
  struct epoll_event evs[256];
  int n = epoll_wait(loop->epfd, evs, 256, ms);
  if (n < 0) n = 0;  /* EINTR: a signal; the self-pipe tells which */
  if (n > 0) loop->stats.wakeups++;
  for (int i = 0; i < n; i++) {
    int tag = (int)(evs[i].data.u64 >> 32);
    int fd = (int)(uint32_t)evs[i].data.u64;
    uint32_t e = evs[i].events;
    if (tag == TAG_SIGNAL) {
      char buf[64];
      while (read(fd, buf, sizeof buf) > 0) {}
    } else if (tag == TAG_CURL) {
      int flags = (e & EPOLLIN ? CURL_CSELECT_IN : 0) | (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                  (e & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
      curl_act(loop, fd, flags);
    } else if (tag == TAG_WATCH && fd < loop->nwatchers && loop->watchers[fd]) {
      lb_handle *h = loop->watchers[fd];
      h->revents = (e & EPOLLIN ? LB_EV_READ : 0) | (e & EPOLLOUT ? LB_EV_WRITE : 0) |
                   (e & EPOLLERR ? LB_EV_ERROR : 0) | (e & (EPOLLHUP | EPOLLRDHUP) ? LB_EV_HUP : 0);
      fd_stop(loop, h);
      make_ready(loop, h);
    }
  }
  now = lb_now();
  if (loop->curl_deadline >= 0 && now >= loop->curl_deadline) {
    loop->curl_deadline = -1.0;
    curl_act(loop, CURL_SOCKET_TIMEOUT, 0);
  }
  curl_collect(loop);
  reap(loop);
  while ((t = lb_timerheap_peek(&loop->timers)) != NULL && t->deadline <= now) {
    lb_timerheap_remove(&loop->timers, t);
    lb_handle *h = (lb_handle *)((char *)t - offsetof(lb_handle, timer));
    if (h->kind == LB_HTTP) {  /* a queued request's timeout */
      http_unqueue(loop, h);
      lb_http_expire(h->http);
      http_fail(loop, h, CURLE_OPERATION_TIMEDOUT);
    } else {
      make_ready(loop, h);
    }
  }
  return 0;
}

lb_handle *lb_loop_next_ready(lb_loop *loop) {
  lb_handle *h = loop->ready_head;
  if (h == NULL) return NULL;
  loop->ready_head = h->next_ready;
  if (loop->ready_head == NULL) loop->ready_tail = NULL;
  h->next_ready = NULL;
  h->state = LB_DONE;
  return h;
}

int lb_loop_pending(const lb_loop *loop) { return loop->pending; }

int lb_loop_take_signal(lb_loop *loop) {
  (void)loop;
  if (!sig_unread) return 0;
  sig_unread = 0;
  return sig_last;
}

const lb_loop_stats *lb_loop_stats_get(const lb_loop *loop) { return &loop->stats; }

void *lb_loop_multi(lb_loop *loop) { return loop->multi; }
