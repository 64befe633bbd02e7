/*
** platform.h: the few calls that differ between Linux and other POSIX systems (macOS). Every
** Linux-only header and call of lakebase is in platform.c, each with its portable path; a test
** (tests/cli/test_portability.sh) keeps them there.
*/
#ifndef LB_PLATFORM_H
#define LB_PLATFORM_H
#include <sys/types.h>
#include <sys/socket.h>

/* A pipe whose ends close on exec. Returns 0, or -1 with errno set. */
int lb_pipe_cloexec(int fds[2]);
/* A non-blocking stream socket closed on exec, or -1 with errno set. */
int lb_socket_nonblocking(int family);
/* accept, the new socket non-blocking and closed on exec; -1 with errno set. */
int lb_accept_nonblocking(int fd, struct sockaddr *sa, socklen_t *len);

/* Descriptors from lowfd up close on exec (best effort). */
void lb_cloexec_from(int lowfd);

#endif
