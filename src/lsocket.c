/*
** lsocket.c: TCP listen/accept/connect/recv/send on non-blocking descriptors, and connections to
** Unix sockets. recv and send use read/write so the same object also serves a child process's pipes.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "lua.h"
#include "lauxlib.h"
#include "lsocket.h"
#include "platform.h"

#define SOCKET_MT "lakebase.Socket"

typedef struct lb_socket {
  int fd;
  int listening;
} lb_socket;

/* Creates a closed socket object first, so a descriptor stored in it is never leaked. [-0, +1] */
static lb_socket *new_socket(lua_State *L) {
  lb_socket *s = lua_newuserdatauv(L, sizeof *s, 0);
  s->fd = -1;
  s->listening = 0;
  luaL_setmetatable(L, SOCKET_MT);
  return s;
}

static lb_socket *check_open(lua_State *L, int i) {
  lb_socket *s = luaL_checkudata(L, i, SOCKET_MT);
  if (s->fd < 0) luaL_error(L, "attempt to use a closed socket");
  return s;
}

void lb_socket_push_fd(lua_State *L, int fd) {
  new_socket(L)->fd = fd;  /* new_socket raises before taking fd, so the caller still owns it then */
}

int lb_socket_fd_open(lua_State *L, int i) {
  return ((lb_socket *)luaL_checkudata(L, i, SOCKET_MT))->fd;
}

int lb_socket_fd_arg(lua_State *L, int i) {
  if (lua_isinteger(L, i)) return (int)lua_tointeger(L, i);
  return check_open(L, i)->fd;
}

/* Pushes nil and the reason; "again" when the call would block. [-0, +2] */
static int fail(lua_State *L, int err) {
  lua_pushnil(L);
  lua_pushstring(L, (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS) ? "again" : strerror(err));
  return 2;
}

static int resolve(lua_State *L, const char *host, int port, struct sockaddr_storage *sa, socklen_t *len) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;  /* no DNS: it would block the loop */
  char service[16];
  snprintf(service, sizeof service, "%d", port);
  int rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0) return luaL_error(L, "bad address '%s' (a numeric IP address was expected): %s", host, gai_strerror(rc));
  memcpy(sa, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

static int check_port(lua_State *L, int i) {
  lua_Integer p = luaL_checkinteger(L, i);
  luaL_argcheck(L, p >= 0 && p <= 65535, i, "port must be between 0 and 65535");
  return (int)p;
}

/* core.listen(host, port[, backlog]) -> socket (port 0 picks a free one; see socket:port()) */
static int s_listen(lua_State *L) {
  const char *host = luaL_checkstring(L, 1);
  int port = check_port(L, 2);
  int backlog = (int)luaL_optinteger(L, 3, 511);
  struct sockaddr_storage sa;
  socklen_t len;
  resolve(L, host, port, &sa, &len);
  lb_socket *s = new_socket(L);
  s->fd = lb_socket_nonblocking(sa.ss_family);
  if (s->fd < 0) return fail(L, errno);
  int one = 1;
  setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s->fd, (struct sockaddr *)&sa, len) != 0 || listen(s->fd, backlog) != 0) {
    int e = errno;
    close(s->fd);
    s->fd = -1;
    return fail(L, e);
  }
  s->listening = 1;
  return 1;
}

/* core.connect(host, port) -> socket, connecting; wait for "w", then socket:connect_error() */
static int s_connect(lua_State *L) {
  const char *host = luaL_checkstring(L, 1);
  int port = check_port(L, 2);
  struct sockaddr_storage sa;
  socklen_t len;
  resolve(L, host, port, &sa, &len);
  lb_socket *s = new_socket(L);
  s->fd = lb_socket_nonblocking(sa.ss_family);
  if (s->fd < 0) return fail(L, errno);
  int one = 1;
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(s->fd, (struct sockaddr *)&sa, len) != 0 && errno != EINPROGRESS) {
    int e = errno;
    close(s->fd);
    s->fd = -1;
    return fail(L, e);
  }
  return 1;
}

/* core.connect_unix(path) -> socket, connected or connecting (wait for "w", then connect_error) */
static int s_connect_unix(lua_State *L) {
  size_t len;
  const char *path = luaL_checklstring(L, 1, &len);
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  luaL_argcheck(L, len > 0 && len < sizeof sa.sun_path, 1, "socket path too long");
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path, len);
  lb_socket *s = new_socket(L);
  s->fd = lb_socket_nonblocking(AF_UNIX);
  if (s->fd < 0) return fail(L, errno);
  if (connect(s->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
    int e = errno;
    close(s->fd);
    s->fd = -1;
    lua_pushnil(L);
    lua_pushstring(L, strerror(e));  /* EAGAIN here is a full backlog, not "wait" */
    return 2;
  }
  return 1;
}

/* socket:dup() -> another socket on the same connection (its own descriptor, closed separately) */
static int s_dup(lua_State *L) {
  lb_socket *orig = check_open(L, 1);
  lb_socket *s = new_socket(L);
  s->fd = fcntl(orig->fd, F_DUPFD_CLOEXEC, 0);
  if (s->fd < 0) return fail(L, errno);
  return 1;
}

/* socket:connect_error() -> nil when connected, else the reason */
static int s_connect_error(lua_State *L) {
  lb_socket *s = check_open(L, 1);
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) return 0;
  lua_pushstring(L, strerror(err));
  return 1;
}

/* socket:accept() -> socket, peer address | nil, "again" | nil, reason */
static int s_accept(lua_State *L) {
  lb_socket *ls = check_open(L, 1);
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  lb_socket *s = new_socket(L);
  s->fd = lb_accept_nonblocking(ls->fd, (struct sockaddr *)&sa, &len);
  if (s->fd < 0) return fail(L, errno);
  int one = 1;
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char addr[INET6_ADDRSTRLEN] = "?";
  if (sa.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, addr, sizeof addr);
  else if (sa.ss_family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, addr, sizeof addr);
  lua_pushstring(L, addr);
  return 2;
}

/* socket:recv([max]) -> data | nil, "eof" | nil, "again" | nil, reason */
static int s_recv(lua_State *L) {
  lb_socket *s = check_open(L, 1);
  lua_Integer max = luaL_optinteger(L, 2, 65536);
  luaL_argcheck(L, max > 0 && max <= (1 << 24), 2, "size must be between 1 and 16 MiB");
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, (size_t)max);
  ssize_t n = read(s->fd, p, (size_t)max);
  if (n < 0) return fail(L, errno);
  if (n == 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "eof");
    return 2;
  }
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* socket:send(data[, from]) -> bytes written (from `from`, 1-based) | nil, "again" | nil, reason */
static int s_send(lua_State *L) {
  lb_socket *s = check_open(L, 1);
  size_t len;
  const char *d = luaL_checklstring(L, 2, &len);
  lua_Integer from = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, from >= 1 && (size_t)from <= len + 1, 3, "position out of range");
  /* write, not send: pipes too. SIGPIPE is ignored (loop.c), so a gone reader gives EPIPE. */
  ssize_t n = write(s->fd, d + from - 1, len - (size_t)(from - 1));
  if (n < 0) return fail(L, errno);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* socket:shutdown() stops sending (the peer sees end of file). */
static int s_shutdown(lua_State *L) {
  shutdown(check_open(L, 1)->fd, SHUT_WR);
  return 0;
}

/* socket:port() -> the local port */
static int s_port(lua_State *L) {
  lb_socket *s = check_open(L, 1);
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getsockname(s->fd, (struct sockaddr *)&sa, &len) != 0) return fail(L, errno);
  int port = sa.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&sa)->sin6_port)
                                      : ntohs(((struct sockaddr_in *)&sa)->sin_port);
  lua_pushinteger(L, port);
  return 1;
}

static int s_fd(lua_State *L) {
  lua_pushinteger(L, check_open(L, 1)->fd);
  return 1;
}

/*
** close, __close and __gc: idempotent. A task waiting on the descriptor is woken (hang-up)
** rather than left waiting on a number the kernel may hand out again.
*/
static int s_close(lua_State *L) {
  lb_socket *s = luaL_checkudata(L, 1, SOCKET_MT);
  if (s->fd >= 0) {
    lb_loop_fd_closing((lb_loop *)lua_touserdata(L, lua_upvalueindex(1)), s->fd);
    close(s->fd);
    s->fd = -1;
  }
  return 0;
}

static int s_tostring(lua_State *L) {
  lb_socket *s = luaL_checkudata(L, 1, SOCKET_MT);
  if (s->fd < 0) lua_pushliteral(L, "lakebase.Socket(closed)");
  else lua_pushfstring(L, "lakebase.Socket(fd %d%s)", s->fd, s->listening ? ", listening" : "");
  return 1;
}

static const luaL_Reg socket_methods[] = {
  {"accept", s_accept}, {"recv", s_recv}, {"send", s_send}, {"shutdown", s_shutdown},
  {"port", s_port}, {"fd", s_fd}, {"close", s_close}, {"connect_error", s_connect_error}, {"dup", s_dup},
  {NULL, NULL}
};

void lb_socket_register(lua_State *L, lb_loop *loop) {
  luaL_newmetatable(L, SOCKET_MT);
  lua_pushlightuserdata(L, loop);
  lua_pushcclosure(L, s_close, 1);
  lua_setfield(L, -2, "__gc");
  lua_pushlightuserdata(L, loop);
  lua_pushcclosure(L, s_close, 1);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, s_tostring);
  lua_setfield(L, -2, "__tostring");
  luaL_newlibtable(L, socket_methods);
  lua_pushlightuserdata(L, loop);
  luaL_setfuncs(L, socket_methods, 1);  /* all get the loop; only close uses it */
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushcfunction(L, s_listen);
  lua_setfield(L, -2, "listen");
  lua_pushcfunction(L, s_connect);
  lua_setfield(L, -2, "connect");
  lua_pushcfunction(L, s_connect_unix);
  lua_setfield(L, -2, "connect_unix");
}
