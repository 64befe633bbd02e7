/*
** ltls.c: TLS on the server side, for the emulator's relay in front of each PostgreSQL compute
** (the service requires TLS, so clients use sslmode=require). OpenSSL is loaded on first use (see
** dynlib.h). Nothing blocks: like lsocket.c, a call that cannot go on answers nil, "again", and
** what to wait for ("r" or "w"); the Lua side waits with core.watch and calls again.
**
** A session reads through one socket and writes through another (normally a dup of the same
** descriptor), so that one task can wait to read while another waits to write: the loop allows
** one waiter per descriptor.
*/
#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "lua.h"
#include "lauxlib.h"
#include "lcore.h"
#include "ltls.h"
#include "lsocket.h"
#include "dynlib.h"

#define CTX_MT "lakebase.TlsContext"
#define SESSION_MT "lakebase.TlsSession"

/* The OpenSSL functions used, loaded on the first context (see dynlib.h). */
#define SSL_FUNCTIONS(X) \
  X(TLS_server_method) X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_use_certificate_chain_file) \
  X(SSL_CTX_use_PrivateKey_file) X(SSL_CTX_check_private_key) X(SSL_CTX_ctrl) X(SSL_CTX_set_options) \
  X(SSL_new) X(SSL_free) X(SSL_set_rfd) X(SSL_set_wfd) X(SSL_set_accept_state) X(SSL_do_handshake) \
  X(SSL_read) X(SSL_write) X(SSL_get_error) X(SSL_shutdown) X(SSL_get_version) \
  X(ERR_get_error) X(ERR_error_string_n) X(ERR_clear_error)

static struct {
#define SSL_FIELD(name) __typeof__(name) *name;
  SSL_FUNCTIONS(SSL_FIELD)
#undef SSL_FIELD
} ossl;

static int load_libssl(const char **err) {
  static void *libssl;
  /* dlsym on libssl's handle also finds libcrypto's ERR_* functions (a dependency it loads). */
  static const lb_dl_symbol symbols[] = {
#define SSL_SYMBOL(name) {#name, (void **)&ossl.name},
    SSL_FUNCTIONS(SSL_SYMBOL)
#undef SSL_SYMBOL
    {NULL, NULL}
  };
  return lb_dl_load(LB_LIBSSL_SONAME, symbols, &libssl, err);
}

typedef struct tls_ctx {
  SSL_CTX *ctx;
} tls_ctx;

typedef struct tls_session {
  SSL *ssl;
  int rfd, wfd;  /* the descriptors OpenSSL was given; checked against the sockets before each call */
} tls_session;

/* Pushes the reason of OpenSSL error `e` (or `fallback` when 0) and clears the queue. [-0, +1] */
static void push_error(lua_State *L, unsigned long e, const char *fallback) {
  if (e == 0) {
    lua_pushstring(L, fallback);
    return;
  }
  char buf[256];
  ossl.ERR_error_string_n(e, buf, sizeof buf);
  ossl.ERR_clear_error();
  lua_pushstring(L, buf);
}

/* Pushes OpenSSL's first queued reason, or `fallback`. [-0, +1] */
static void push_reason(lua_State *L, const char *fallback) {
  push_error(L, ossl.ERR_get_error(), fallback);
}

/* core.tls_server(cert_chain_file, key_file) -> context; raises naming the file it cannot use. */
static int c_tls_server(lua_State *L) {
  const char *cert = luaL_checkstring(L, 1);
  const char *key = luaL_checkstring(L, 2);
  const char *err;
  if (load_libssl(&err) != 0) return luaL_error(L, "tls_server: %s", err);
  tls_ctx *t = lua_newuserdatauv(L, sizeof *t, 0);
  t->ctx = NULL;
  luaL_setmetatable(L, CTX_MT);
  ossl.ERR_clear_error();
  t->ctx = ossl.SSL_CTX_new(ossl.TLS_server_method());
  if (t->ctx == NULL) {
    push_reason(L, "out of memory");
    return luaL_error(L, "tls_server: %s", lua_tostring(L, -1));
  }
  ossl.SSL_CTX_ctrl(t->ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
  /* SSL_write may return after part of the data, and be retried from a moved buffer (the rest of
     a Lua string), as write(2) is. */
  ossl.SSL_CTX_ctrl(t->ctx, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
  /* A client closing without close_notify (most do) is an end of file, not an error. */
  ossl.SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
  if (ossl.SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
    push_reason(L, "unusable certificate");
    return luaL_error(L, "tls_server: cannot use certificate %s: %s", cert, lua_tostring(L, -1));
  }
  if (ossl.SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1 ||
      ossl.SSL_CTX_check_private_key(t->ctx) != 1) {
    push_reason(L, "unusable key");
    return luaL_error(L, "tls_server: cannot use private key %s: %s", key, lua_tostring(L, -1));
  }
  return 1;
}

static int ctx_gc(lua_State *L) {
  tls_ctx *t = luaL_checkudata(L, 1, CTX_MT);
  if (t->ctx != NULL) ossl.SSL_CTX_free(t->ctx);
  t->ctx = NULL;
  return 0;
}

/*
** context:session(read_socket, write_socket) -> session, in the server's role. The sockets stay
** the caller's to close; the session keeps them referenced and stops working once either closes.
*/
static int ctx_session(lua_State *L) {
  tls_ctx *t = luaL_checkudata(L, 1, CTX_MT);
  int rfd = lb_socket_fd_open(L, 2), wfd = lb_socket_fd_open(L, 3);
  if (t->ctx == NULL || rfd < 0 || wfd < 0) return luaL_error(L, "session: closed context or socket");
  tls_session *s = lua_newuserdatauv(L, sizeof *s, 2);
  s->ssl = NULL;
  s->rfd = rfd;
  s->wfd = wfd;
  luaL_setmetatable(L, SESSION_MT);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, 3);
  lua_setiuservalue(L, -2, 2);
  ossl.ERR_clear_error();
  s->ssl = ossl.SSL_new(t->ctx);
  if (s->ssl == NULL || ossl.SSL_set_rfd(s->ssl, rfd) != 1 || ossl.SSL_set_wfd(s->ssl, wfd) != 1) {
    push_reason(L, "out of memory");
    return luaL_error(L, "session: %s", lua_tostring(L, -1));
  }
  ossl.SSL_set_accept_state(s->ssl);
  return 1;
}

/* True when the session's sockets are still open on the descriptors OpenSSL holds. */
static int sockets_open(lua_State *L, tls_session *s) {
  lua_getiuservalue(L, 1, 1);
  lua_getiuservalue(L, 1, 2);
  int ok = lb_socket_fd_open(L, -2) == s->rfd && lb_socket_fd_open(L, -1) == s->wfd;
  lua_pop(L, 2);
  return ok;
}

static tls_session *check_session(lua_State *L) {
  tls_session *s = luaL_checkudata(L, 1, SESSION_MT);
  if (s->ssl == NULL) luaL_error(L, "attempt to use a closed TLS session");
  return s;
}

/*
** Answers a call that returned `ret` <= 0: nil, "again", "r"|"w"; nil, "eof"; or nil and the
** reason. [-0, +2 or +3]
*/
static int outcome(lua_State *L, tls_session *s, int ret) {
  int saved = errno;
  int e = ossl.SSL_get_error(s->ssl, ret);
  lua_pushnil(L);
  switch (e) {
    case SSL_ERROR_WANT_READ:
      lua_pushliteral(L, "again");
      lua_pushliteral(L, "r");
      return 3;
    case SSL_ERROR_WANT_WRITE:
      lua_pushliteral(L, "again");
      lua_pushliteral(L, "w");
      return 3;
    case SSL_ERROR_ZERO_RETURN:
      lua_pushliteral(L, "eof");
      return 2;
    case SSL_ERROR_SYSCALL:
      push_error(L, ossl.ERR_get_error(), saved ? strerror(saved) : "connection closed");
      return 2;
    default:
      push_reason(L, "TLS failure");
      return 2;
  }
}

static int closed(lua_State *L) {
  lua_pushnil(L);
  lua_pushliteral(L, "closed");
  return 2;
}

/* session:handshake() -> true | nil, "again", "r"|"w" | nil, reason */
static int s_handshake(lua_State *L) {
  tls_session *s = check_session(L);
  if (!sockets_open(L, s)) return closed(L);
  ossl.ERR_clear_error();
  errno = 0;
  int ret = ossl.SSL_do_handshake(s->ssl);
  if (ret == 1) {
    lua_pushboolean(L, 1);
    return 1;
  }
  return outcome(L, s, ret);
}

/* session:recv([max]) -> data | nil, "again", "r"|"w" | nil, "eof" | nil, reason */
static int s_recv(lua_State *L) {
  tls_session *s = check_session(L);
  lua_Integer max = luaL_optinteger(L, 2, 65536);
  luaL_argcheck(L, max > 0 && max <= (1 << 24), 2, "size must be between 1 and 16 MiB");
  if (!sockets_open(L, s)) return closed(L);
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, (size_t)max);
  ossl.ERR_clear_error();
  errno = 0;
  int n = ossl.SSL_read(s->ssl, p, (int)max);
  if (n <= 0) return outcome(L, s, n);
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* session:send(data[, from]) -> bytes written (from `from`) | nil, "again", "r"|"w" | nil, reason */
static int s_send(lua_State *L) {
  tls_session *s = check_session(L);
  size_t len;
  const char *d = luaL_checklstring(L, 2, &len);
  lua_Integer from = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, from >= 1 && (size_t)from <= len + 1, 3, "position out of range");
  size_t rest = len - (size_t)(from - 1);
  if (rest == 0) {
    lua_pushinteger(L, 0);
    return 1;
  }
  if (!sockets_open(L, s)) return closed(L);
  if (rest > (1 << 30)) rest = 1 << 30;
  ossl.ERR_clear_error();
  errno = 0;
  int n = ossl.SSL_write(s->ssl, d + from - 1, (int)rest);
  if (n <= 0) return outcome(L, s, n);
  lua_pushinteger(L, n);
  return 1;
}

/* session:version() -> "TLSv1.3", ... */
static int s_version(lua_State *L) {
  lua_pushstring(L, ossl.SSL_get_version(check_session(L)->ssl));
  return 1;
}

/* Sends close_notify when it can without waiting (the session is argument 1). */
static void send_close_notify(lua_State *L, tls_session *s) {
  if (!sockets_open(L, s)) return;
  ossl.ERR_clear_error();
  ossl.SSL_shutdown(s->ssl);
  ossl.ERR_clear_error();
}

/* session:shutdown(): sends close_notify when it can without waiting; reading goes on. */
static int s_shutdown(lua_State *L) {
  send_close_notify(L, check_session(L));
  return 0;
}

/*
** session:close() (also __gc and __close): sends close_notify when it can without waiting, then
** frees the session. The sockets are not closed.
*/
static int s_close(lua_State *L) {
  tls_session *s = luaL_checkudata(L, 1, SESSION_MT);
  if (s->ssl == NULL) return 0;
  send_close_notify(L, s);
  ossl.SSL_free(s->ssl);
  s->ssl = NULL;
  return 0;
}

static const luaL_Reg session_methods[] = {
  {"handshake", s_handshake}, {"recv", s_recv}, {"send", s_send}, {"version", s_version},
  {"shutdown", s_shutdown}, {"close", s_close}, {NULL, NULL}
};

void lb_tls_register(lua_State *L) {
  static const luaL_Reg ctx_meta[] = {{"__gc", ctx_gc}, {NULL, NULL}};
  static const luaL_Reg ctx_methods[] = {{"session", ctx_session}, {NULL, NULL}};
  static const luaL_Reg meta[] = {{"__gc", s_close}, {"__close", s_close}, {NULL, NULL}};
  static const luaL_Reg funcs[] = {{"tls_server", c_tls_server}, {NULL, NULL}};
  lb_core_class(L, NULL, CTX_MT, ctx_meta, ctx_methods, NULL);
  lb_core_class(L, NULL, SESSION_MT, meta, session_methods, funcs);
}
