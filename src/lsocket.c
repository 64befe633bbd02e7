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
#include "lcore.h"
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

/*
** A new TCP socket for host (argument 1, a numeric address: DNS would block the loop) and port
** (argument 2), pushed; *sa and *len: the address. [-0, +1]
*/
static lb_socket *tcp_socket(lua_State *L, struct sockaddr_storage *sa, socklen_t *len) {
  const char *host = luaL_checkstring(L, 1);
  lua_Integer port = luaL_checkinteger(L, 2);
  luaL_argcheck(L, port >= 0 && port <= 65535, 2, "port must be between 0 and 65535");
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  char service[16];
  snprintf(service, sizeof service, "%d", (int)port);
  int rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0) luaL_error(L, "bad address '%s' (a numeric IP address was expected): %s", host, gai_strerror(rc));
  memcpy(sa, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  lb_socket *s = new_socket(L);
  s->fd = lb_socket_nonblocking(sa->ss_family);
  return s;
}

/* A socket that could not be set up is closed: returns nil, reason as fail does. */
static int give_up(lua_State *L, lb_socket *s) {
  int e = errno;
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  return fail(L, e);
}

/* core.listen(host, port[, backlog]) -> socket (port 0 picks a free one; see socket:port()) */
static int s_listen(lua_State *L) {
  int backlog = (int)luaL_optinteger(L, 3, 511), one = 1;
  struct sockaddr_storage sa;
  socklen_t len;
  lb_socket *s = tcp_socket(L, &sa, &len);
  if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(s->fd, (struct sockaddr *)&sa, len) != 0 || listen(s->fd, backlog) != 0)
    return give_up(L, s);
  s->listening = 1;
  return 1;
}

/* core.connect(host, port) -> socket, connecting; wait for "w", then socket:connect_error() */
static int s_connect(lua_State *L) {
  struct sockaddr_storage sa;
  socklen_t len;
  int one = 1;
  lb_socket *s = tcp_socket(L, &sa, &len);
  if (s->fd < 0 || setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
      (connect(s->fd, (struct sockaddr *)&sa, len) != 0 && errno != EINPROGRESS))
    return give_up(L, s);
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
  static const luaL_Reg meta[] = {{"__gc", s_close}, {"__close", s_close}, {"__tostring", s_tostring}, {NULL, NULL}};
  static const luaL_Reg funcs[] = {{"listen", s_listen}, {"connect", s_connect}, {"connect_unix", s_connect_unix},
                                   {NULL, NULL}};
  lb_core_class(L, loop, SOCKET_MT, meta, socket_methods, funcs);  /* only close uses the loop */
}
