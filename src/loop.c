/*
** loop.c: lb_loop on libuv. Timers are uv_timers, watched descriptors uv_polls, libcurl's multi
** handle is driven with uv_poll + uv_timer (its multi_socket interface), children are uv_spawn'ed
** (libuv reaps them), and SIGINT/SIGTERM wake the loop through a uv_async (see on_signal for why
** not a uv_signal). Every libuv handle of ours is an lb_waiter allocated apart from the Lua
** userdata it serves, and freed by its close callback.
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include "curlapi.h"
#include "dynlib.h"
#include "loop.h"
#include "http.h"
#include "platform.h"
#include "watchdog.h"

struct lb_waiter {
  union { uv_handle_t handle; uv_timer_t timer; uv_poll_t poll; } uv;  /* first: freed through it */
  lb_loop *loop;
  lb_handle *h;  /* the handle it finishes; NULL for one of libcurl's sockets */
  int events;    /* libcurl's sockets: the UV_ events watched */
};

/*
** A child. Its record outlives the Process object that owns it while the child runs, and the
** child while its owner may still ask for the status: freed when both are gone.
*/
struct lb_child {
  uv_process_t uv;  /* first: freed through it */
  lb_loop *loop;
  lb_handle *h;     /* the handle watching it, or NULL */
  pid_t pid;
  int status;       /* see lb_child_status */
  int pdeathsig;
  int owned, closed;
};

struct lb_loop {
  uv_loop_t uv;
  uv_async_t wake;              /* woken by on_signal */
  uv_timer_t curl_timer;        /* when libcurl wants its timeout action */
  uv_timer_t poll_timer;        /* lb_loop_poll's own timeout */
  uv_prepare_t before_wait;     /* see on_before_wait */
  int poll_expired;
  CURLM *multi;
  lb_handle *ready_head, *ready_tail;
  lb_handle **watchers;         /* indexed by descriptor */
  int nwatchers;
  int pending;
  /* HTTP: at most http_limit transfers run at once (LAKEBASE_MAX_REQUESTS); the rest wait in a
     FIFO without an easy handle, and finished transfers' easy handles are reset and reused. A
     fan-out of 500 waits then holds 64 easy handles and connections, not 500. */
  int http_limit, http_active;
  lb_handle *queue_head, *queue_tail;
  CURL **idle;
  int nidle;
  lb_loop_stats stats;
};

/* ---- signals ---- */

/*
** SIGINT and SIGTERM have a handler of our own rather than a uv_signal: a uv_signal is only seen
** at the loop's next turn, and a script busy in code that never waits never comes back to it.
** The handler sees the signal as it arrives, wakes the loop (uv_async_send is async-signal-safe)
** and, when the loop has not read it a second later, has the running code interrupted
** (on_stuck, see linterrupt.c); a second signal while the first is unread ends the process.
*/
static uv_async_t *sig_wake;
static volatile sig_atomic_t sig_last, sig_unread;
static volatile sig_atomic_t unread_for;  /* seconds the current signal has gone unread */

static void (*on_stuck)(int sig);

static void on_signal(int sig) {
  int saved = errno;
  if (sig_unread) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
  sig_last = sig;
  sig_unread = 1;
  unread_for = 0;
  if (sig_wake) uv_async_send(sig_wake);
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

static void on_wake(uv_async_t *a) { (void)a; }  /* only ends uv_run's wait */

double lb_now(void) { return (double)uv_hrtime() / 1e9; }

/* ---- handles and waiters ---- */

static void make_ready(lb_loop *loop, lb_handle *h) {
  h->state = LB_READY;
  h->next_ready = NULL;
  if (loop->ready_tail) loop->ready_tail->next_ready = h;
  else loop->ready_head = h;
  loop->ready_tail = h;
  loop->pending--;
}

static lb_waiter *waiter_new(lb_loop *loop, lb_handle *h) {
  lb_waiter *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->loop = loop;
  w->h = h;
  w->uv.handle.data = w;
  return w;
}

static void waiter_free(uv_handle_t *handle) { free(handle); }

/* Stops the waiter and lets libuv free it once closed. */
static void waiter_close(lb_waiter *w) {
  if (w != NULL) uv_close(&w->uv.handle, waiter_free);
}

/* Detaches h's waiter from it (closing the waiter): nothing will finish h any more. */
static void waiter_drop(lb_handle *h) {
  waiter_close(h->waiter);
  h->waiter = NULL;
}

/* Whole milliseconds, rounded up, for libuv: a deadline 0.3 ms away must not become a busy spin,
   and one beyond 30 years (math.huge) is 30 years, re-armed when it comes. */
static uint64_t to_ms(double seconds) {
  return !(seconds > 0) ? 0 : seconds > 1e9 ? (uint64_t)1e12 : (uint64_t)ceil(seconds * 1000.0);
}

/* Arms w's timer for the deadline of its handle; a timer firing early (libuv counts whole
   milliseconds) is armed again by on_timer, so a timer never finishes before its time. */
static void timer_arm(lb_waiter *w, void (*cb)(uv_timer_t *)) {
  uv_update_time(&w->loop->uv);
  uv_timer_start(&w->uv.timer, cb, to_ms(w->h->deadline - lb_now()), 0);
}

static void http_expired(lb_loop *loop, lb_handle *h);

static void on_timer(uv_timer_t *t) {
  lb_waiter *w = t->data;
  lb_loop *loop = w->loop;
  lb_handle *h = w->h;
  if (lb_now() < h->deadline) {
    timer_arm(w, on_timer);
    return;
  }
  waiter_drop(h);
  if (h->kind == LB_HTTP) http_expired(loop, h);
  else make_ready(loop, h);
}

/* Starts a timer finishing h at h->deadline. Returns 0 or -1 with errno set. */
static int timer_start(lb_loop *loop, lb_handle *h) {
  lb_waiter *w = waiter_new(loop, h);
  if (w == NULL) {
    errno = ENOMEM;
    return -1;
  }
  uv_timer_init(&loop->uv, &w->uv.timer);
  h->waiter = w;
  timer_arm(w, on_timer);
  return 0;
}

int lb_loop_timer_start(lb_loop *loop, lb_handle *h, double seconds) {
  if (!(seconds >= 0)) seconds = 0;  /* also turns NaN into 0 */
  h->deadline = lb_now() + seconds;
  if (timer_start(loop, h) != 0) return -1;
  h->kind = LB_TIMER;
  h->state = LB_PENDING;
  loop->pending++;
  return 0;
}

/* ---- watched descriptors ---- */

static void fd_stop(lb_loop *loop, lb_handle *h) {
  if (h->fd >= 0 && h->fd < loop->nwatchers && loop->watchers[h->fd] == h) loop->watchers[h->fd] = NULL;
  waiter_drop(h);  /* uv_close stops the poll at once: the descriptor may be closed next */
}

static void on_fd(uv_poll_t *p, int status, int events) {
  lb_waiter *w = p->data;
  lb_loop *loop = w->loop;
  lb_handle *h = w->h;
  loop->stats.wakeups++;
  if (status < 0) {  /* an error on the descriptor: what was asked for will not block now */
    h->revents = (h->events & (LB_EV_READ | LB_EV_WRITE)) | LB_EV_ERROR | LB_EV_HUP;
  } else {
    h->revents = (events & UV_READABLE ? LB_EV_READ : 0) | (events & UV_WRITABLE ? LB_EV_WRITE : 0) |
                 (events & UV_DISCONNECT ? LB_EV_HUP : 0);
  }
  fd_stop(loop, h);
  make_ready(loop, h);
}

int lb_loop_fd_start(lb_loop *loop, lb_handle *h, int fd, int events) {
  if (fd < 0) {
    errno = EBADF;
    return -1;
  }
  if (fd >= loop->nwatchers) {
    int n = loop->nwatchers ? loop->nwatchers : 64;
    while (n <= fd) n *= 2;
    lb_handle **a = realloc(loop->watchers, (size_t)n * sizeof *a);
    if (a == NULL) {
      errno = ENOMEM;
      return -1;
    }
    memset(a + loop->nwatchers, 0, (size_t)(n - loop->nwatchers) * sizeof *a);
    loop->watchers = a;
    loop->nwatchers = n;
  }
  if (loop->watchers[fd] != NULL) {
    errno = EBUSY;  /* one waiter per descriptor at a time */
    return -1;
  }
  lb_waiter *w = waiter_new(loop, h);
  if (w == NULL) {
    errno = ENOMEM;
    return -1;
  }
  /* libuv makes the descriptor non-blocking; a terminal's stdin is the shell's too, so its flags
     are put back (readiness does not depend on them). */
  int flags = fcntl(fd, F_GETFL);
  int rc = uv_poll_init(&loop->uv, &w->uv.poll, fd);
  if (flags >= 0) fcntl(fd, F_SETFL, flags);
  if (rc != 0) {
    free(w);
    errno = -rc;
    return -1;
  }
  rc = uv_poll_start(&w->uv.poll, (events & LB_EV_READ ? UV_READABLE | UV_DISCONNECT : 0) |
                                  (events & LB_EV_WRITE ? UV_WRITABLE : 0), on_fd);
  if (rc != 0) {
    waiter_close(w);
    errno = -rc;
    return -1;
  }
  loop->watchers[fd] = h;
  h->waiter = w;
  h->kind = LB_FDWATCH;
  h->fd = fd;
  h->events = events;
  h->revents = 0;
  h->state = LB_PENDING;
  loop->pending++;
  return 0;
}

void lb_loop_fd_closing(lb_loop *loop, int fd) {
  if (fd < 0 || fd >= loop->nwatchers || loop->watchers[fd] == NULL) return;
  lb_handle *h = loop->watchers[fd];
  h->revents = LB_EV_HUP | LB_EV_ERROR;
  fd_stop(loop, h);
  make_ready(loop, h);
}

/* ---- HTTP: libcurl's multi_socket interface on uv_poll and uv_timer ---- */

/* Finished transfers move to the ready queue (no Lua here: the scheduler resumes them later). */
static void curl_collect(lb_loop *loop);

static void curl_act(lb_loop *loop, curl_socket_t s, int flags) {
  int running;
  lb_curl.multi_socket_action(loop->multi, s, flags, &running);
  curl_collect(loop);
}

static void on_curl_poll(uv_poll_t *p, int status, int events) {
  lb_waiter *w = p->data;
  w->loop->stats.wakeups++;
  int flags = status < 0 ? CURL_CSELECT_ERR
            : (events & UV_READABLE ? CURL_CSELECT_IN : 0) | (events & UV_WRITABLE ? CURL_CSELECT_OUT : 0);
  uv_os_fd_t fd;
  uv_fileno((uv_handle_t *)p, &fd);
  curl_act(w->loop, (curl_socket_t)fd, flags);
  /* libuv stops a poll that saw an error; libcurl, still holding the socket, expects to hear of
     it again. (w is freed only by a close callback, which runs later in this loop turn.) */
  if (!uv_is_closing(&w->uv.handle) && !uv_is_active(&w->uv.handle)) uv_poll_start(p, w->events, on_curl_poll);
}

/* libcurl: start, change or stop watching one of its sockets (sockp: its waiter, once made). */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *ud, void *sockp) {
  lb_loop *loop = ud;
  lb_waiter *w = sockp;
  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    waiter_close(w);
    lb_curl.multi_assign(loop->multi, s, NULL);
    return 0;
  }
  if (w == NULL) {
    if ((w = waiter_new(loop, NULL)) == NULL) return -1;
    if (uv_poll_init_socket(&loop->uv, &w->uv.poll, s) != 0) {
      free(w);
      return -1;
    }
    lb_curl.multi_assign(loop->multi, s, w);
  }
  w->events = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
  uv_poll_start(&w->uv.poll, w->events, on_curl_poll);
  return 0;
}

static void on_curl_timeout(uv_timer_t *t) {
  lb_loop *loop = t->data;
  curl_act(loop, CURL_SOCKET_TIMEOUT, 0);
}

/* libcurl: when to call curl_multi_socket_action with CURL_SOCKET_TIMEOUT. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *ud) {
  lb_loop *loop = ud;
  (void)multi;
  if (timeout_ms < 0) uv_timer_stop(&loop->curl_timer);
  else uv_timer_start(&loop->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

lb_curl_api lb_curl;

int lb_loop_http_init(lb_loop *loop, int slots, const char **err) {
  static void *libcurl;
  static const lb_dl_symbol symbols[] = {
#define LB_CURL_SYMBOL(name) {"curl_" #name, (void **)&lb_curl.name},
    LB_CURL_FUNCTIONS(LB_CURL_SYMBOL)
#undef LB_CURL_SYMBOL
    {NULL, NULL}
  };
  if (loop->multi != NULL) return 0;
  free(loop->idle);  /* a previous attempt may have got this far before libcurl failed to load */
  if ((loop->idle = malloc((size_t)slots * sizeof *loop->idle)) == NULL) {
    *err = "out of memory";
    return -1;
  }
  loop->http_limit = slots;
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

/* Takes h out of the queue, and its timeout timer with it. */
static void http_unqueue(lb_loop *loop, lb_handle *h) {
  lb_handle **p = &loop->queue_head, *prev = NULL;
  while (*p && *p != h) { prev = *p; p = &(*p)->next_queued; }
  if (*p) {
    *p = h->next_queued;
    if (loop->queue_tail == h) loop->queue_tail = prev;
  }
  h->next_queued = NULL;
  waiter_drop(h);
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

/* A queued request's timeout came before a slot did. */
static void http_expired(lb_loop *loop, lb_handle *h) {
  http_unqueue(loop, h);
  lb_http_expire(h->http);
  http_fail(loop, h, CURLE_OPERATION_TIMEDOUT);
}

int lb_loop_http_start(lb_loop *loop, lb_handle *h) {
  int queued = loop->http_active >= loop->http_limit || loop->queue_head != NULL;
  if (queued) {
    /* A queued request with a timeout expires on time, by its own timer, even while every slot
       stays busy. */
    h->queued_at = lb_now();
    long timeout_ms = lb_http_timeout_ms(h->http);
    h->deadline = h->queued_at + (double)timeout_ms / 1000.0;
    if (timeout_ms > 0 && timer_start(loop, h) != 0) return -1;
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

static void curl_collect(lb_loop *loop) {
  CURLMsg *msg;
  int left;
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

/* ---- child processes ---- */

static void on_child_closed(uv_handle_t *handle) {
  lb_child *c = (lb_child *)handle;
  c->closed = 1;
  if (!c->owned) free(c);
}

static void on_child_exit(uv_process_t *p, int64_t code, int sig) {
  lb_child *c = (lb_child *)p;
  c->status = sig > 0 ? 256 + sig : (int)(code & 255);
  if (c->pdeathsig) lb_watchdog_forget(c->pid);
  lb_handle *h = c->h;
  if (h != NULL) {
    c->h = NULL;
    h->child = NULL;
    h->wstatus = c->status;
    make_ready(c->loop, h);
  }
  uv_close((uv_handle_t *)p, on_child_closed);
}

int lb_loop_spawn(lb_loop *loop, uv_process_options_t *opts, int pdeathsig, lb_child **out) {
  lb_child *c = calloc(1, sizeof *c);
  if (c == NULL) return UV_ENOMEM;
  c->loop = loop;
  c->status = -1;
  opts->exit_cb = on_child_exit;
  lb_cloexec_from(3);  /* descriptors opened without O_CLOEXEC (Lua's io.open) stay here */
  int rc = uv_spawn(&loop->uv, &c->uv, opts);
  if (rc == 0 && pdeathsig && (rc = lb_watchdog_watch(loop, c->uv.pid, pdeathsig)) != 0)
    uv_process_kill(&c->uv, SIGKILL);  /* not without its guard; reaped as any other child */
  if (rc != 0) {
    if (!uv_is_active((uv_handle_t *)&c->uv)) uv_close((uv_handle_t *)&c->uv, on_child_closed);
    return rc;  /* c is freed by its close callback, or when the killed child is reaped */
  }
  c->pid = c->uv.pid;
  c->pdeathsig = pdeathsig;
  c->owned = 1;
  *out = c;
  return 0;
}

pid_t lb_child_pid(const lb_child *c) { return c->pid; }

int lb_child_status(const lb_child *c) { return c->status; }

void lb_child_release(lb_child *c) {
  c->owned = 0;
  if (c->closed) free(c);
}

int lb_loop_process_start(lb_loop *loop, lb_handle *h, lb_child *c) {
  if (c->h != NULL) {
    errno = EBUSY;  /* one watcher per child at a time */
    return -1;
  }
  h->kind = LB_PROCESS;
  h->wstatus = c->status;
  h->state = LB_PENDING;
  loop->pending++;
  if (c->status != -1) {
    make_ready(loop, h);
  } else {
    h->child = c;
    c->h = h;
  }
  return 0;
}

/* ---- the loop ---- */

static void on_poll_timeout(uv_timer_t *t) { ((lb_loop *)t->data)->poll_expired = 1; }

/* Runs just before libuv waits for I/O. A turn of the loop runs due timers first, then waits:
   when those finished a handle, it must not wait (only for I/O that may never come). */
static void on_before_wait(uv_prepare_t *p) {
  lb_loop *loop = p->data;
  if (loop->ready_head || loop->poll_expired || sig_unread) uv_stop(&loop->uv);
}


lb_loop *lb_loop_new(const char **err) {
  lb_loop *loop = calloc(1, sizeof *loop);
  if (loop == NULL) {
    *err = "out of memory";
    return NULL;
  }
  int rc = uv_loop_init(&loop->uv);
  if (rc != 0) {
    *err = uv_strerror(rc);
    free(loop);
    return NULL;
  }
  uv_async_init(&loop->uv, &loop->wake, on_wake);
  uv_timer_init(&loop->uv, &loop->curl_timer);
  loop->curl_timer.data = loop;
  uv_timer_init(&loop->uv, &loop->poll_timer);
  loop->poll_timer.data = loop;
  uv_prepare_init(&loop->uv, &loop->before_wait);
  loop->before_wait.data = loop;
  uv_prepare_start(&loop->before_wait, on_before_wait);
  uv_unref((uv_handle_t *)&loop->before_wait);
  if (sig_wake == NULL) {
    sig_wake = &loop->wake;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
  }
  return loop;
}

/* What is still open at exit (libcurl's sockets, the loop's own handles, children still running,
   which go on) is closed here. */
static void close_handle(uv_handle_t *handle, void *arg) {
  lb_loop *loop = arg;
  int own = handle == (uv_handle_t *)&loop->wake ||
            handle == (uv_handle_t *)&loop->curl_timer || handle == (uv_handle_t *)&loop->poll_timer ||
            handle == (uv_handle_t *)&loop->before_wait;
  if (!uv_is_closing(handle))
    uv_close(handle, own ? NULL : handle->type == UV_PROCESS ? on_child_closed : waiter_free);
}

void lb_loop_free(lb_loop *loop) {
  if (loop == NULL) return;
  for (int i = 0; i < loop->nidle; i++) lb_curl.easy_cleanup(loop->idle[i]);
  free(loop->idle);
  if (loop->multi != NULL) {
    lb_curl.multi_cleanup(loop->multi);
    lb_curl.global_cleanup();
  }
  if (sig_wake == &loop->wake) sig_wake = NULL;
  uv_walk(&loop->uv, close_handle, loop);
  uv_run(&loop->uv, UV_RUN_DEFAULT);  /* runs the close callbacks */
  uv_loop_close(&loop->uv);
  free(loop->watchers);
  free(loop);
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
    case LB_TIMER: waiter_drop(h); break;
    case LB_FDWATCH: fd_stop(loop, h); break;
    case LB_HTTP: http_cancel(loop, h); break;
    case LB_PROCESS:
      if (h->child != NULL) h->child->h = NULL;  /* still reaped, by libuv */
      h->child = NULL;
      break;
  }
  h->state = LB_CANCELLED;
  loop->pending--;
}

int lb_loop_poll(lb_loop *loop, double timeout) {
  loop->stats.polls++;
  if (loop->ready_head) timeout = 0;
  if (timeout < 0 && loop->pending == 0) {
    if (!sig_unread) return 1;
    timeout = 0;
  }
  if (timeout == 0) {
    uv_run(&loop->uv, UV_RUN_NOWAIT);
    return 0;
  }
  loop->poll_expired = 0;
  if (timeout > 0) {
    uv_update_time(&loop->uv);
    uv_timer_start(&loop->poll_timer, on_poll_timeout, to_ms(timeout), 0);
  }
  /* The async handle is always active, so UV_RUN_ONCE waits for something to happen. */
  while (loop->ready_head == NULL && !loop->poll_expired && !sig_unread) uv_run(&loop->uv, UV_RUN_ONCE);
  uv_timer_stop(&loop->poll_timer);
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
