/*
** loop.h: the event loop. One per process, owned by the host, created before the Lua state and
** freed after it. It runs on libuv: timers are uv_timers, watched descriptors and libcurl's
** sockets uv_polls, SIGINT/SIGTERM wake it through a uv_async and SIGCHLD through a uv_signal,
** after which it reaps the children it is told about. Work items are lb_handles: starting one
** never blocks, and a handle that finishes is moved to a ready queue that the Lua scheduler
** drains after lb_loop_poll returns. No Lua code ever runs inside this file.
*/
#ifndef LB_LOOP_H
#define LB_LOOP_H

#include <sys/types.h>

typedef struct lb_loop lb_loop;
typedef struct lb_http lb_http;
typedef struct lb_waiter lb_waiter;

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
  pid_t pid;                    /* LB_PROCESS: the child watched */
  int wstatus;                  /* LB_PROCESS: raw waitpid status; -1 running, -2 lost */
} lb_handle;

/* Returns a new loop, or NULL with *err describing why. */
lb_loop *lb_loop_new(const char **err);
void lb_loop_free(lb_loop *loop);

/* The monotonic clock, in seconds. */
double lb_now(void);

/*
** Makes the loop ready for HTTP: loads libcurl (see dynlib.h), initialises it and creates the
** multi handle, on the first call. Before lb_http_new and lb_loop_http_start. Returns 0, or -1
** with *err describing why.
*/
int lb_loop_http_init(lb_loop *loop, const char **err);

/* Starting: each returns 0, or -1 with errno set; the handle is then LB_PENDING. */
int lb_loop_timer_start(lb_loop *loop, lb_handle *h, double seconds);
int lb_loop_fd_start(lb_loop *loop, lb_handle *h, int fd, int events);
int lb_loop_http_start(lb_loop *loop, lb_handle *h);
/* Transfers run at once unless LAKEBASE_MAX_REQUESTS says otherwise; later requests queue. */
#define LB_HTTP_LIMIT 64
/*
** Watches a child started by this process; the handle finishes when it has exited and been
** reaped. Also re-watches a child whose previous handle was cancelled (ready at once when it
** was reaped meanwhile). Fails with EBUSY when another handle already watches pid.
*/
int lb_loop_process_start(lb_loop *loop, lb_handle *h, pid_t pid);

/*
** What the loop knows of child pid: LB_CHILD_UNKNOWN (never started here, or forgotten),
** LB_CHILD_RUNNING (not reaped yet: signalling it is safe), or LB_CHILD_REAPED with *wstatus
** (it exited while no handle watched it).
*/
enum { LB_CHILD_UNKNOWN = 0, LB_CHILD_RUNNING, LB_CHILD_REAPED };
int lb_loop_process_state(const lb_loop *loop, pid_t pid, int *wstatus);

/* The owner of child pid is gone: forget its status once reaped (it is still reaped). */
void lb_loop_process_release(lb_loop *loop, pid_t pid);

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
