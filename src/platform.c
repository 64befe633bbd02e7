/*
** platform.c: Linux's calls and their POSIX (macOS) counterparts; see platform.h.
*/
#ifdef __linux__
#define _GNU_SOURCE
#include <sys/prctl.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "platform.h"

#ifdef __linux__

int lb_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int lb_socket_nonblocking(int family) { return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

int lb_accept_nonblocking(int fd, struct sockaddr *sa, socklen_t *len) {
  return accept4(fd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

void lb_child_parent_death_signal(int sig, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, sig);
  if (getppid() != parent) raise(sig);  /* the host died before prctl */
}

void lb_child_cloexec_from(int lowfd) { close_range((unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC); }

void lb_child_exec(const char *file, char *const argv[], char *const envp[]) {
  if (envp) execvpe(file, argv, envp);
  else execvp(file, argv);
}

#else

extern char **environ;

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

/*
** Without PR_SET_PDEATHSIG, a watchdog: a process of its own (orphaned at once, so that it is
** not a child of the program exec'd next) that checks every second whether the host is gone
** and then signals the child. It holds no descriptor, so pipes see their end of file on time.
*/
void lb_child_parent_death_signal(int sig, pid_t parent) {
  pid_t child = getpid();
  pid_t w = fork();
  if (w > 0) {
    while (waitpid(w, NULL, 0) < 0 && errno == EINTR) {}
    return;
  }
  if (w < 0 || fork() != 0) _exit(0);
  for (int fd = 0; fd < 1024; fd++) close(fd);
  while (kill(child, 0) == 0) {
    if (kill(parent, 0) != 0 && errno == ESRCH) {
      kill(child, sig);
      break;
    }
    sleep(1);
  }
  _exit(0);
}

void lb_child_cloexec_from(int lowfd) {
  long max = sysconf(_SC_OPEN_MAX);
  for (int fd = lowfd; fd < (max > 0 && max < 65536 ? max : 65536); fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void lb_child_exec(const char *file, char *const argv[], char *const envp[]) {
  if (envp) environ = (char **)envp;  /* the child's own copy: it is replaced by exec */
  execvp(file, argv);
}

#endif
