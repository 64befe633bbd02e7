/*
** lprocess.c: core.spawn{argv=, env=, cwd=, stdin=, stdout=, stderr=, new_group=, pdeathsig=, user=}
** starts a child with uv_spawn and returns a lakebase.Process: its pid, an exit handle that the
** loop finishes once the child has exited, and its pipes as non-blocking lakebase.Socket objects.
** libuv reports a failed exec (or chdir, or setuid) from the child, so spawn raises "cannot run
** 'prog': ..." rather than leaving a child that exits 127.
*/
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lua.h"
#include "lauxlib.h"
#include "lcore.h"
#include "lprocess.h"
#include "lsocket.h"
#include "platform.h"

#define PROCESS_MT "lakebase.Process"

enum { MODE_INHERIT, MODE_NULL, MODE_PIPE, MODE_STDOUT };  /* MODE_STDOUT: stderr only */

typedef struct spawn_spec {
  const char **argv;  /* NULL-terminated; the strings stay referenced from the Lua stack */
  const char **envp;  /* NULL: inherit the host's environment */
  const char *cwd;
  int mode[3];
  int new_group;
  int pdeathsig;      /* sent to the child when the host ends; 0: none */
  const char *user;   /* run as this user (needs root): PostgreSQL refuses to run as root */
  uid_t uid;
  gid_t gid;
} spawn_spec;

/* Descriptors live in the userdata while spawning, so an error raised midway leaks none. */
typedef struct lb_process {
  lb_child *child;        /* NULL until started */
  int group;              /* leads its own process group (session): signals go to the group */
  int parent[3], child_end[3];
} lb_process;

static const struct { const char *name; int sig; } signals[] = {
  {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL}, {"TRAP", SIGTRAP},
  {"ABRT", SIGABRT}, {"BUS", SIGBUS}, {"FPE", SIGFPE}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
  {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
  {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
  {"TTOU", SIGTTOU}, {"URG", SIGURG}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
  {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO}, {"SYS", SIGSYS},
};
#define NSIGNALS (sizeof signals / sizeof signals[0])

/* The signal that stack value i names ("TERM", "SIGTERM") or numbers, or -1. */
static int to_signal(lua_State *L, int i) {
  if (lua_isinteger(L, i)) {
    lua_Integer n = lua_tointeger(L, i);
    return n >= 0 && n < NSIG ? (int)n : -1;
  }
  if (lua_type(L, i) != LUA_TSTRING) return -1;
  const char *s = lua_tostring(L, i);
  const char *name = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t k = 0; k < NSIGNALS; k++)
    if (strcmp(signals[k].name, name) == 0) return signals[k].sig;
  return -1;
}

/* "signal name ... expected, got 'X'" for stack value i; lo: the least number allowed. [-0, +2] */
static const char *signal_expected(lua_State *L, int i, int lo) {
  const char *got = lua_type(L, i) == LUA_TSTRING ? lua_pushfstring(L, "'%s'", lua_tostring(L, i))
                  : lua_type(L, i) == LUA_TNUMBER ? luaL_tolstring(L, i, NULL) : luaL_typename(L, i);
  return lua_pushfstring(L, "signal name such as \"TERM\", \"KILL\" or \"INT\", or a number from %d to %d "
                         "expected, got %s", lo, NSIG - 1, got);
}

static lb_loop *get_loop(lua_State *L) {
  return (lb_loop *)lua_touserdata(L, lua_upvalueindex(1));
}

int lb_process_push_status(lua_State *L, int st) {
  if (st < 0) {
    lua_pushliteral(L, "running");
    return 1;
  }
  if (st < 256) {
    lua_pushliteral(L, "exited");
    lua_pushinteger(L, st);
    return 2;
  }
  lua_pushliteral(L, "signaled");
  for (size_t i = 0; i < NSIGNALS; i++)
    if (signals[i].sig == st - 256) {
      lua_pushstring(L, signals[i].name);
      return 2;
    }
  lua_pushinteger(L, st - 256);
  return 2;
}

/* ---- parsing core.spawn's table (argument 1); every value stays referenced on the stack ---- */

static const char *check_cstring(lua_State *L, int i, const char *what) {
  size_t len;
  const char *s = lua_tolstring(L, i, &len);
  if (strlen(s) != len) luaL_error(L, "spawn: %s: '%s' contains a NUL byte", what, s);
  return s;
}

/*
** Field `field` of the spec, a sequence of strings, as a NULL-terminated array; NULL when the
** field is nil and may be. argv is the program and its arguments, env "NAME=value" strings.
*/
static const char **string_list(lua_State *L, const char *field, int may_be_nil, lua_Integer least) {
  int type = lua_getfield(L, 1, field);
  if (type == LUA_TNIL && may_be_nil) return NULL;
  if (type != LUA_TTABLE)
    luaL_error(L, "spawn: field '%s' must be a table of strings, got %s", field, luaL_typename(L, -1));
  int t = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, t);
  if (n < least) luaL_error(L, "spawn: field '%s' must name a program, got an empty table", field);
  if (n > 1000000) luaL_error(L, "spawn: field '%s' has %d elements, more than 1000000", field, (int)n);
  const char **list = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *list, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, t, i) != LUA_TSTRING)
      luaL_error(L, "spawn: %s[%d] must be a string, got %s", field, (int)i, luaL_typename(L, -1));
    list[i - 1] = check_cstring(L, -1, field);
    lua_pop(L, 1);  /* still referenced by the table */
  }
  list[n] = NULL;
  return list;
}

static int parse_mode(lua_State *L, const char *field, int allow_stdout) {
  int type = lua_getfield(L, 1, field);
  const char *m = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  int mode = -1;
  if (type == LUA_TNIL || (m && strcmp(m, "inherit") == 0)) mode = MODE_INHERIT;
  else if (m && strcmp(m, "null") == 0) mode = MODE_NULL;
  else if (m && strcmp(m, "pipe") == 0) mode = MODE_PIPE;
  else if (m && allow_stdout && strcmp(m, "stdout") == 0) mode = MODE_STDOUT;
  if (mode < 0)
    luaL_error(L, "spawn: field '%s' must be \"pipe\", \"null\"%s or \"inherit\", got %s%s%s", field,
               allow_stdout ? ", \"stdout\"" : "", m ? "'" : "", m ? m : luaL_typename(L, -1), m ? "'" : "");
  lua_pop(L, 1);
  return mode;
}

/* The account is looked up here, in the parent: getpwnam is not safe between fork and exec. */
static void parse_user(lua_State *L, spawn_spec *sp) {
  int type = lua_getfield(L, 1, "user");
  sp->user = NULL;
  if (type == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (type != LUA_TSTRING)
    luaL_error(L, "spawn: field 'user' must be a user name or nil, got %s", luaL_typename(L, -1));
  sp->user = check_cstring(L, -1, "user");
  lua_pop(L, 1);  /* the string stays referenced from the spec table */
  errno = 0;
  struct passwd *pw = getpwnam(sp->user);
  if (!pw) luaL_error(L, "spawn: no such user '%s'%s%s", sp->user, errno ? ": " : "", errno ? strerror(errno) : "");
  sp->uid = pw->pw_uid;
  sp->gid = pw->pw_gid;
}

static void parse_spec(lua_State *L, spawn_spec *sp) {
  luaL_checktype(L, 1, LUA_TTABLE);
  sp->argv = string_list(L, "argv", 0, 1);
  sp->envp = string_list(L, "env", 1, 0);
  int type = lua_getfield(L, 1, "cwd");
  if (type != LUA_TNIL && type != LUA_TSTRING)
    luaL_error(L, "spawn: field 'cwd' must be a string or nil, got %s", luaL_typename(L, -1));
  sp->cwd = type == LUA_TSTRING ? check_cstring(L, -1, "cwd") : NULL;
  sp->mode[0] = parse_mode(L, "stdin", 0);
  sp->mode[1] = parse_mode(L, "stdout", 0);
  sp->mode[2] = parse_mode(L, "stderr", 1);
  lua_getfield(L, 1, "new_group");
  sp->new_group = lua_toboolean(L, -1);
  lua_getfield(L, 1, "pdeathsig");
  sp->pdeathsig = lua_isnil(L, -1) ? 0 : to_signal(L, -1);
  if (sp->pdeathsig <= 0) {
    if (!lua_isnil(L, -1)) luaL_error(L, "spawn: field 'pdeathsig': %s", signal_expected(L, -1, 1));
    sp->pdeathsig = 0;
  }
  lua_pop(L, 2);
  parse_user(L, sp);
}

/* ---- starting the child ---- */

static void close_fd(int *fd) {
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

static void close_all(lb_process *p) {
  for (int i = 0; i < 3; i++) {
    close_fd(&p->parent[i]);
    close_fd(&p->child_end[i]);
  }
}

/* Opens the pipes. Returns 0 or a negative errno value. */
static int open_pipes(lb_process *p, const spawn_spec *sp) {
  for (int i = 0; i < 3; i++) {
    if (sp->mode[i] != MODE_PIPE) continue;
    int fds[2];
    if (lb_pipe_cloexec(fds) != 0) return -errno;
    int mine = i == 0 ? 1 : 0;  /* the host writes the child's stdin and reads the rest */
    p->parent[i] = fds[mine];
    p->child_end[i] = fds[1 - mine];
    /* Non-blocking on the host's end only: the child expects ordinary blocking streams. */
    if (fcntl(p->parent[i], F_SETFL, O_NONBLOCK) != 0) return -errno;
  }
  return 0;
}

/* Starts the child. Returns 0, or a negative libuv error code. */
static int start_child(lb_loop *loop, lb_process *p, const spawn_spec *sp) {
  int rc = open_pipes(p, sp);
  if (rc != 0) return rc;
  uv_stdio_container_t stdio[3];
  for (int i = 0; i < 3; i++) {
    int k = sp->mode[i] == MODE_STDOUT ? 1 : i;  /* stderr goes wherever stdout goes */
    int fd = sp->mode[k] == MODE_PIPE ? p->child_end[k] : sp->mode[k] == MODE_INHERIT ? k : -1;
    stdio[i].flags = fd < 0 ? UV_IGNORE : UV_INHERIT_FD;  /* libuv gives UV_IGNORE /dev/null */
    stdio[i].data.fd = fd;
  }
  uv_process_options_t opts;
  memset(&opts, 0, sizeof opts);
  opts.file = sp->argv[0];
  opts.args = (char **)sp->argv;
  opts.env = (char **)sp->envp;
  opts.cwd = sp->cwd;
  opts.stdio = stdio;
  opts.stdio_count = 3;
  /* A session of its own is a process group of its own, the only way uv_spawn offers. */
  opts.flags = (sp->new_group ? UV_PROCESS_DETACHED : 0) | (sp->user ? UV_PROCESS_SETUID | UV_PROCESS_SETGID : 0);
  opts.uid = sp->uid;
  opts.gid = sp->gid;
  rc = lb_loop_spawn(loop, &opts, sp->pdeathsig, &p->child);
  for (int i = 0; i < 3; i++) close_fd(&p->child_end[i]);
  return rc;
}

/* Why a directory cannot be the working directory: 0 when it can, as far as the host can tell. */
static int dir_error(const char *dir) {
  struct stat st;
  if (stat(dir, &st) != 0) return errno;
  return !S_ISDIR(st.st_mode) ? ENOTDIR : access(dir, X_OK) != 0 ? errno : 0;
}

static lb_process *new_process(lua_State *L) {
  lb_process *p = lua_newuserdatauv(L, sizeof *p, 4);  /* exit handle, stdin, stdout, stderr */
  memset(p, 0, sizeof *p);
  for (int i = 0; i < 3; i++) p->parent[i] = p->child_end[i] = -1;
  luaL_setmetatable(L, PROCESS_MT);
  return p;
}

/* core.spawn{...} -> Process, or raises "cannot run 'prog': reason" */
static int c_spawn(lua_State *L) {
  spawn_spec sp = {0};
  parse_spec(L, &sp);
  lb_process *p = new_process(L);
  int pi = lua_gettop(L);
  lb_handle *h = lb_core_new_handle(L);
  lua_setiuservalue(L, pi, 1);
  int rc = start_child(get_loop(L), p, &sp);
  if (rc == 0 && lb_loop_process_start(get_loop(L), h, p->child) != 0) rc = UV_ENOMEM;  /* cannot be */
  if (rc != 0) {
    close_all(p);
    int err = -rc, direrr = sp.cwd ? dir_error(sp.cwd) : 0;
    if (direrr)
      return luaL_error(L, "cannot run '%s': cannot change directory to '%s': %s", sp.argv[0], sp.cwd,
                        strerror(direrr));
    if (sp.user && err == EPERM)
      return luaL_error(L, "cannot run '%s' as user '%s': %s", sp.argv[0], sp.user, strerror(err));
    return luaL_error(L, "cannot run '%s': %s", sp.argv[0], strerror(err));
  }
  p->group = sp.new_group;
  lua_getiuservalue(L, pi, 1);
  lb_core_anchor(L, h);
  lua_pop(L, 1);
  for (int i = 0; i < 3; i++) {
    if (p->parent[i] < 0) continue;
    lb_socket_push_fd(L, p->parent[i]);  /* if this raises, p still owns the descriptor */
    p->parent[i] = -1;
    lua_setiuservalue(L, pi, 2 + i);
  }
  lua_settop(L, pi);
  return 1;
}

/* ---- Process methods ---- */

static lb_process *check_process(lua_State *L) {
  return (lb_process *)luaL_checkudata(L, 1, PROCESS_MT);
}

/* The child's end as lb_child_status tells it; -1 while it runs (or before it started). */
static int status_of(const lb_process *p) {
  return p->child ? lb_child_status(p->child) : -1;
}

/* process:pid() -> integer */
static int p_pid(lua_State *L) {
  lb_process *p = check_process(L);
  lua_pushinteger(L, p->child ? lb_child_pid(p->child) : -1);
  return 1;
}

/*
** process:handle() -> the exit handle. When a cancelled wait cancelled it, a new one watches the
** child again (or is done at once when the child has already been reaped).
*/
static int p_handle(lua_State *L) {
  lb_process *p = check_process(L);
  lua_getiuservalue(L, 1, 1);
  lb_handle *h = (lb_handle *)lua_touserdata(L, -1);
  if (h == NULL || h->state != LB_CANCELLED || p->child == NULL) return 1;
  lb_handle *nh = lb_core_new_handle(L);
  if (lb_loop_process_start(get_loop(L), nh, p->child) != 0)
    return luaL_error(L, "cannot watch process %d: %s", (int)lb_child_pid(p->child), strerror(errno));
  lb_core_anchor(L, nh);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, 1, 1);
  return 1;
}

/* process:status() -> "running" | "exited", code | "signaled", signal */
static int p_status(lua_State *L) {
  return lb_process_push_status(L, status_of(check_process(L)));
}

static int check_signal(lua_State *L, int i) {
  if (lua_isnoneornil(L, i)) return SIGTERM;
  int sig = to_signal(L, i);
  if (sig < 0) luaL_argerror(L, i, signal_expected(L, i, 0));
  return sig;
}

/* core.signal(name_or_number) -> the signal number, or nil when it names none */
static int c_signal(lua_State *L) {
  int sig = to_signal(L, 1);
  if (sig < 0) lua_pushnil(L);
  else lua_pushinteger(L, sig);
  return 1;
}

/*
** process:kill([sig]) -> true | false, reason. sig: "TERM" (default), "KILL", "INT", ... or a
** number; sent to the process group when started with new_group. A reaped child is never
** signalled: its pid may belong to someone else by now.
*/
static int p_kill(lua_State *L) {
  lb_process *p = check_process(L);
  int sig = check_signal(L, 2);
  if (status_of(p) != -1 || p->child == NULL) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "the process has already exited");
    return 2;
  }
  pid_t pid = lb_child_pid(p->child);
  if (kill(p->group ? -pid : pid, sig) != 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* process:stdin(), :stdout(), :stderr() -> the host's end of the pipe (a Socket), or nil */
static int stream(lua_State *L, int i) {
  check_process(L);
  lua_getiuservalue(L, 1, 2 + i);
  return 1;
}
static int p_stdin(lua_State *L) { return stream(L, 0); }
static int p_stdout(lua_State *L) { return stream(L, 1); }
static int p_stderr(lua_State *L) { return stream(L, 2); }

/* __gc: never kills. A running child goes on, and the loop reaps it when it exits. */
static int p_gc(lua_State *L) {
  lb_process *p = check_process(L);
  close_all(p);  /* what a failed spawn left */
  if (p->child != NULL) lb_child_release(p->child);
  p->child = NULL;
  return 0;
}

static int p_tostring(lua_State *L) {
  lb_process *p = check_process(L);
  int st = status_of(p), pid = p->child ? (int)lb_child_pid(p->child) : -1;
  if (st == -1) lua_pushfstring(L, "lakebase.Process(pid %d, running)", pid);
  else if (st < 256) lua_pushfstring(L, "lakebase.Process(pid %d, exited %d)", pid, st);
  else lua_pushfstring(L, "lakebase.Process(pid %d, signal %d)", pid, st - 256);
  return 1;
}

static const luaL_Reg process_methods[] = {
  {"pid", p_pid}, {"handle", p_handle}, {"status", p_status}, {"kill", p_kill},
  {"stdin", p_stdin}, {"stdout", p_stdout}, {"stderr", p_stderr}, {NULL, NULL}
};

void lb_process_register(lua_State *L, lb_loop *loop) {
  static const luaL_Reg meta[] = {{"__gc", p_gc}, {"__tostring", p_tostring}, {NULL, NULL}};
  static const luaL_Reg funcs[] = {{"spawn", c_spawn}, {"signal", c_signal}, {NULL, NULL}};
  lb_core_class(L, loop, PROCESS_MT, meta, process_methods, funcs);
}
