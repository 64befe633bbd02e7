/*
** watchdog.h: signals for children when the host ends, on every platform. Linux has a
** parent-death signal of its own, macOS none, and uv_spawn leaves no hook between fork and exec
** to ask for it anyway. So the host starts one watchdog, its own executable run as
** `lakebase __watchdog`, and tells it on a pipe which children to signal with what. However the
** host ends, even by SIGKILL, the kernel closes that pipe, and the watchdog sends the signals.
*/
#ifndef LB_WATCHDOG_H
#define LB_WATCHDOG_H
#include <sys/types.h>
#include "loop.h"

#define LB_WATCHDOG_ARG "__watchdog"

/* Child pid gets sig when this process ends; starts the watchdog at the first call. Returns 0 or
   a negative libuv error code. */
int lb_watchdog_watch(lb_loop *loop, pid_t pid, int sig);
/* pid has exited (its number may be reused): nothing is sent to it any more. */
void lb_watchdog_forget(pid_t pid);
/* The watchdog's own main: reads "pid sig" lines from stdin until end of file. */
int lb_watchdog_main(void);

#endif
