/*
** platform.c: Linux's calls and their POSIX (macOS) counterparts; see platform.h.
*/
#ifdef __linux__
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include "platform.h"

/* Every descriptor the limit allows, one by one. */
static void cloexec_each(int lowfd) {
  long max = sysconf(_SC_OPEN_MAX);
  for (int fd = lowfd; fd < (max > 0 && max < 65536 ? max : 65536); fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

#ifdef __linux__

int lb_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int lb_socket_nonblocking(int family) { return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

int lb_accept_nonblocking(int fd, struct sockaddr *sa, socklen_t *len) {
  return accept4(fd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

void lb_cloexec_from(int lowfd) {
  if (close_range((unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC) != 0) cloexec_each(lowfd);  /* before 5.11 */
}

#else

/* Sets flags on a new descriptor, closing it when that fails. Returns fd or -1. */
static int set_flags(int fd, int nonblocking) {
  if (fd < 0) return -1;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || (nonblocking && fcntl(fd, F_SETFL, O_NONBLOCK) != 0)) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int lb_pipe_cloexec(int fds[2]) {
  if (pipe(fds) != 0) return -1;
  if (set_flags(fds[0], 0) < 0) {
    close(fds[1]);
    return -1;
  }
  return set_flags(fds[1], 0) < 0 ? (close(fds[0]), -1) : 0;
}

int lb_socket_nonblocking(int family) { return set_flags(socket(family, SOCK_STREAM, 0), 1); }

int lb_accept_nonblocking(int fd, struct sockaddr *sa, socklen_t *len) { return set_flags(accept(fd, sa, len), 1); }

void lb_cloexec_from(int lowfd) { cloexec_each(lowfd); }

#endif
