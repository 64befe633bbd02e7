/*
** loop.h: the event loop. One per process, owned by the host, created before the Lua state and
** freed after it. It runs on libuv: timers are uv_timers, watched descriptors and libcurl's
** sockets uv_polls, children are uv_spawn'ed processes that libuv reaps, and SIGINT/SIGTERM wake
** it through a uv_async. Work items are lb_handles: starting one
** never blocks, and a handle that finishes is moved to a ready queue that the Lua scheduler
** drains after lb_loop_poll returns. No Lua code ever runs inside this file.
*/
#ifndef LB_LOOP_H
#define LB_LOOP_H

#include <sys/types.h>
#include <uv.h>

typedef struct lb_loop lb_loop;
typedef struct lb_http lb_http;
typedef struct lb_waiter lb_waiter;
typedef struct lb_child lb_child;

enum lb_handle_kind { LB_TIMER = 1, LB_FDWATCH, LB_HTTP, LB_PROCESS };
enum lb_handle_state { LB_IDLE = 0, LB_PENDING, LB_READY, LB_DONE, LB_CANCELLED };

/* Readiness bits reported for a watched descriptor. */
enum { LB_EV_READ = 1, LB_EV_WRITE = 2, LB_EV_ERROR = 4, LB_EV_HUP = 8 };

typedef struct lb_handle {
  int kind;
  int state;
  int ref;                      /* the Lua layer's anchor while pending or ready */
  struct lb_handle *next_ready; /* ready-queue link */
  /* The libuv handle waiting for this one (a timer, or a poll for LB_FDWATCH), allocated apart:
     libuv may touch it after uv_close until its close callback, when this one may be gone. */
  lb_waiter *waiter;
  double deadline;              /* LB_TIMER; LB_HTTP waiting in the queue with a timeout */
  int fd, events, revents;      /* LB_FDWATCH */
  lb_http *http;                /* LB_HTTP */
  struct lb_handle *next_queued; /* LB_HTTP: waiting for a transfer slot */
  double queued_at;             /* LB_HTTP: when it started waiting */
  lb_child *child;              /* LB_PROCESS: the child watched, until it has exited */
  int wstatus;                  /* LB_PROCESS: as lb_child_status */
} lb_handle;

/* Returns a new loop, or NULL with *err describing why. */
lb_loop *lb_loop_new(const char **err);
void lb_loop_free(lb_loop *loop);

/* The monotonic clock, in seconds. */
double lb_now(void);

/*
** Makes the loop ready for HTTP: loads libcurl (see dynlib.h), initialises it and creates the
** multi handle, on the first call, with room for `slots` transfers at once (later requests
** queue). Before lb_http_new and lb_loop_http_start. Returns 0, or -1 with *err describing why.
*/
int lb_loop_http_init(lb_loop *loop, int slots, const char **err);

/* Starting: each returns 0, or -1 with errno set; the handle is then LB_PENDING. */
int lb_loop_timer_start(lb_loop *loop, lb_handle *h, double seconds);
int lb_loop_fd_start(lb_loop *loop, lb_handle *h, int fd, int events);
int lb_loop_http_start(lb_loop *loop, lb_handle *h);
#define LB_HTTP_LIMIT 64  /* slots unless the Lua layer says otherwise (LAKEBASE_MAX_REQUESTS) */
/*
** Starts a child with uv_spawn (opts->exit_cb is the loop's own). pdeathsig: a signal the child
** is sent when this process ends, however it ends (see watchdog.h); 0 for none. Returns 0 with
** *out set, or a negative libuv error code.
*/
int lb_loop_spawn(lb_loop *loop, uv_process_options_t *opts, int pdeathsig, lb_child **out);
pid_t lb_child_pid(const lb_child *c);
/* -1 while the child runs, then its exit code (0-255), or 256 + the signal that ended it. */
int lb_child_status(const lb_child *c);
/* Its owner is gone: c is freed once the child has exited (a running child goes on). */
void lb_child_release(lb_child *c);
/*
** The handle finishes when c has exited, at once when it already has. Also watches again after
** a previous handle was cancelled. Fails with EBUSY when another handle watches c.
*/
int lb_loop_process_start(lb_loop *loop, lb_handle *h, lb_child *c);

/* fd is about to be closed: a handle watching it finishes now with LB_EV_HUP | LB_EV_ERROR. */
void lb_loop_fd_closing(lb_loop *loop, int fd);

/*
** Stops a pending handle (LB_CANCELLED) or withdraws a ready one from the queue. A cancelled
** process handle stops watching only: the child is not signalled, and is still reaped.
*/
void lb_loop_cancel(lb_loop *loop, lb_handle *h);

/*
** Waits up to timeout seconds (negative: without limit) for work to finish, moving finished
** handles to the ready queue. Returns at once when handles are already ready. Returns 1 when it
** would otherwise wait forever with nothing pending (the caller is deadlocked), else 0.
*/
int lb_loop_poll(lb_loop *loop, double timeout);

/* Pops the oldest ready handle (now LB_DONE), or NULL. */
lb_handle *lb_loop_next_ready(lb_loop *loop);

/* Number of pending handles. */
int lb_loop_pending(const lb_loop *loop);

/* The last signal received (SIGINT, SIGTERM) since the previous call, or 0. */
int lb_loop_take_signal(lb_loop *loop);
/* fn(sig) is called from a signal handler when SIGINT/SIGTERM has not been picked up by the loop
   a second after it came (the program is busy, not waiting). It must be async-signal-safe. */
void lb_loop_on_stuck(void (*fn)(int sig));

/* Counters for --verbose and benchmarks. */
typedef struct lb_loop_stats {
  unsigned long polls, wakeups, http_started, http_done;
} lb_loop_stats;
const lb_loop_stats *lb_loop_stats_get(const lb_loop *loop);

/* For http.c: the multi handle, and completion of a transfer. */
void *lb_loop_multi(lb_loop *loop);

#endif
