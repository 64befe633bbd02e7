/*
** watchdog.c: see watchdog.h. The protocol is one line per change, "pid sig" to watch a child
** and "pid 0" to forget it; lines under PIPE_BUF are written whole, so no lock is needed.
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "platform.h"
#include "watchdog.h"

static int to_watchdog = -1;  /* the write end of the watchdog's stdin, blocking */

/* Starts the watchdog: detached (its own session), so that signals for the host's process group
   (Ctrl-C) do not end it before the children it guards. Returns 0 or a negative libuv error. */
static int start(lb_loop *loop) {
  char exe[4096];
  size_t len = sizeof exe;
  int fds[2], rc = uv_exepath(exe, &len);
  if (rc != 0) return rc;
  if (lb_pipe_cloexec(fds) != 0) return -errno;
  char *args[] = {exe, LB_WATCHDOG_ARG, NULL}, *env[] = {NULL};  /* the host's may hold secrets */
  uv_stdio_container_t stdio[3] = {{UV_INHERIT_FD, {.fd = fds[0]}}, {UV_IGNORE, {0}}, {UV_IGNORE, {0}}};
  uv_process_options_t opts = {.file = exe, .args = args, .env = env, .stdio = stdio, .stdio_count = 3,
                               .cwd = "/", .flags = UV_PROCESS_DETACHED};
  lb_child *c;
  rc = lb_loop_spawn(loop, &opts, 0, &c);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    return rc;
  }
  lb_child_release(c);  /* nobody waits for it: reaped and freed whenever it ends */
  to_watchdog = fds[1];
  return 0;
}

static int tell(pid_t pid, int sig) {
  char line[48];
  int n = snprintf(line, sizeof line, "%ld %d\n", (long)pid, sig);
  return write(to_watchdog, line, (size_t)n) == n ? 0 : -1;
}

int lb_watchdog_watch(lb_loop *loop, pid_t pid, int sig) {
  for (int attempt = 0; attempt < 2; attempt++) {
    int rc = to_watchdog < 0 ? start(loop) : 0;
    if (rc != 0) return rc;
    if (tell(pid, sig) == 0) return 0;
    close(to_watchdog);  /* it has gone (EPIPE): start another */
    to_watchdog = -1;
  }
  return UV_EPIPE;
}

void lb_watchdog_forget(pid_t pid) {
  if (to_watchdog >= 0) tell(pid, 0);
}

int lb_watchdog_main(void) {
  struct watched { long pid; int sig; } *w = NULL;
  size_t n = 0, cap = 0;
  long pid;
  int sig;
  while (scanf("%ld %d", &pid, &sig) == 2) {
    size_t i = 0;
    while (i < n && w[i].pid != pid) i++;
    if (sig == 0) {
      if (i < n) w[i] = w[--n];
      continue;
    }
    if (i == n && n == cap) {
      struct watched *a = realloc(w, (cap = cap ? cap * 2 : 16) * sizeof *a);
      if (a == NULL) break;  /* signal those known so far */
      w = a;
    }
    w[i].pid = pid;
    w[i].sig = sig;
    if (i == n) n++;
  }
  for (size_t i = 0; i < n; i++) kill((pid_t)w[i].pid, w[i].sig);
  free(w);
  return 0;
}
