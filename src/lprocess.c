/*
** lprocess.c: core.spawn{argv=, env=, cwd=, stdin=, stdout=, stderr=, new_group=, pdeathsig=}
** starts a child with fork + execvp and returns a lakebase.Process: its pid, an exit handle that
** the loop finishes once the child is reaped, and its pipes as non-blocking lakebase.Socket
** objects. An exec failure comes back through a CLOEXEC pipe, so spawn raises "cannot run
** 'prog': ..." rather than leaving a child that exits 127.
*/
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "lua.h"
#include "lauxlib.h"
#include "lcore.h"
#include "lprocess.h"
#include "lsocket.h"
#include "platform.h"

#define PROCESS_MT "lakebase.Process"

enum { MODE_INHERIT, MODE_NULL, MODE_PIPE, MODE_STDOUT };  /* MODE_STDOUT: stderr only */
enum { STAGE_CHDIR = 1, STAGE_STREAMS, STAGE_USER, STAGE_EXEC };       /* where the child failed */

typedef struct spawn_spec {
  const char **argv;  /* NULL-terminated; the strings stay referenced from the Lua stack */
  const char **envp;  /* NULL: inherit the host's environment */
  const char *cwd;
  int mode[3];
  int new_group;
  int pdeathsig;      /* sent to the child when the host dies; 0: none */
  const char *user;   /* run as this user (needs root): PostgreSQL refuses to run as root */
  uid_t uid;
  gid_t gid;
  pid_t parent;
} spawn_spec;

/* Descriptors live in the userdata while spawning, so an error raised midway leaks none. */
typedef struct lb_process {
  pid_t pid;              /* -1 until started */
  int group;              /* leads its own process group: signals go to the group */
  int wstatus;            /* -1 while running, else the raw wait status (-2: lost) */
  int from_handle;        /* the status came from a handle, so the loop has forgotten the pid */
  int parent[3], child[3];
  int devnull, report[2];
} lb_process;

typedef struct child_report {
  int stage, err;
} child_report;

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

int lb_process_push_status(lua_State *L, int ws) {
  if (ws >= 0 && WIFEXITED(ws)) {
    lua_pushliteral(L, "exited");
    lua_pushinteger(L, WEXITSTATUS(ws));
    return 2;
  }
  if (ws >= 0 && WIFSIGNALED(ws)) {
    lua_pushliteral(L, "signaled");
    for (size_t i = 0; i < NSIGNALS; i++)
      if (signals[i].sig == WTERMSIG(ws)) {
        lua_pushstring(L, signals[i].name);
        return 2;
      }
    lua_pushinteger(L, WTERMSIG(ws));
    return 2;
  }
  lua_pushliteral(L, "unknown");  /* reaped by someone else */
  return 1;
}

/* ---- parsing core.spawn's table (argument 1); every value stays referenced on the stack ---- */

static const char *check_cstring(lua_State *L, int i, const char *what) {
  size_t len;
  const char *s = lua_tolstring(L, i, &len);
  if (strlen(s) != len) luaL_error(L, "spawn: %s contains a NUL byte: '%s'", what, s);
  return s;
}

static void parse_argv(lua_State *L, spawn_spec *sp) {
  if (lua_getfield(L, 1, "argv") != LUA_TTABLE)
    luaL_error(L, "spawn: field 'argv' must be a table of strings, got %s", luaL_typename(L, -1));
  int t = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, t);
  if (n < 1) luaL_error(L, "spawn: field 'argv' must name a program, got an empty table");
  if (n > 1000000) luaL_error(L, "spawn: field 'argv' has %d elements, more than 1000000", (int)n);
  sp->argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *sp->argv, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, t, i) != LUA_TSTRING)
      luaL_error(L, "spawn: argv[%d] must be a string, got %s", (int)i, luaL_typename(L, -1));
    sp->argv[i - 1] = check_cstring(L, -1, "an argument");
    lua_pop(L, 1);  /* still referenced by the argv table */
  }
  sp->argv[n] = NULL;
}

static void parse_env(lua_State *L, spawn_spec *sp) {
  int type = lua_getfield(L, 1, "env");
  sp->envp = NULL;
  if (type == LUA_TNIL) return;
  if (type != LUA_TTABLE) luaL_error(L, "spawn: field 'env' must be a table or nil, got %s", luaL_typename(L, -1));
  int t = lua_gettop(L);
  size_t n = 0;
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) n++;
  sp->envp = lua_newuserdatauv(L, (n + 1) * sizeof *sp->envp, 0);
  lua_createtable(L, (int)n, 0);  /* keeps the "NAME=value" strings alive */
  int keep = lua_gettop(L);
  size_t i = 0;
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "spawn: env names must be strings, got %s", luaL_typename(L, -2));
    const char *k = check_cstring(L, -2, "an env name");
    if (*k == '\0' || strchr(k, '=') != NULL)
      luaL_error(L, "spawn: env name '%s' must be non-empty and without '='", k);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "spawn: env value of '%s' must be a string, got %s", k, luaL_typename(L, -1));
    const char *v = check_cstring(L, -1, "an env value");
    sp->envp[i++] = lua_pushfstring(L, "%s=%s", k, v);
    lua_rawseti(L, keep, (lua_Integer)i);
  }
  sp->envp[i] = NULL;
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
  parse_argv(L, sp);
  parse_env(L, sp);
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
  sp->parent = getpid();
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
    close_fd(&p->child[i]);
  }
  close_fd(&p->devnull);
  close_fd(&p->report[0]);
  close_fd(&p->report[1]);
}

/* Opens /dev/null, the pipes and the report pipe. Returns 0 or an errno value. */
static int open_fds(lb_process *p, const spawn_spec *sp) {
  for (int i = 0; i < 3; i++) {
    if (sp->mode[i] == MODE_NULL && p->devnull < 0 && (p->devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
      return errno;
    if (sp->mode[i] != MODE_PIPE) continue;
    int fds[2];
    if (lb_pipe_cloexec(fds) != 0) return errno;
    int mine = i == 0 ? 1 : 0;  /* the host writes the child's stdin and reads the rest */
    p->parent[i] = fds[mine];
    p->child[i] = fds[1 - mine];
    /* Non-blocking on the host's end only: the child expects ordinary blocking streams. */
    if (fcntl(p->parent[i], F_SETFL, O_NONBLOCK) != 0) return errno;
  }
  return lb_pipe_cloexec(p->report) != 0 ? errno : 0;
}

static void child_fail(int fd, int stage) {
  child_report r = {stage, errno};
  if (write(fd, &r, sizeof r) < 0) { /* the parent will see the exit status 127 */ }
  _exit(127);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void run_child(const lb_process *p, const spawn_spec *sp) {
  static const int reset[] = {SIGINT, SIGTERM, SIGPIPE, SIGCHLD};
  for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) signal(reset[i], SIG_DFL);
  if (sp->new_group) setpgid(0, 0);
  /* Before the parent-death signal: changing credentials clears it (Linux). */
  if (sp->user && (setgroups(1, &sp->gid) != 0 || setgid(sp->gid) != 0 || setuid(sp->uid) != 0))
    child_fail(p->report[1], STAGE_USER);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);  /* after the reset, so no host handler runs here */
  if (sp->pdeathsig) lb_child_parent_death_signal(sp->pdeathsig, sp->parent);
  if (sp->cwd && chdir(sp->cwd) != 0) child_fail(p->report[1], STAGE_CHDIR);
  int src[3];
  for (int i = 0; i < 3; i++) {
    src[i] = sp->mode[i] == MODE_PIPE ? p->child[i] : sp->mode[i] == MODE_NULL ? p->devnull : -1;
    /* Lift sources above 2 first, so that one dup2 cannot overwrite another's source. */
    if (src[i] >= 0 && src[i] < 3 && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
      child_fail(p->report[1], STAGE_STREAMS);
  }
  for (int i = 0; i < 3; i++)
    if (src[i] >= 0 && dup2(src[i], i) < 0) child_fail(p->report[1], STAGE_STREAMS);
  if (sp->mode[2] == MODE_STDOUT && dup2(1, 2) < 0) child_fail(p->report[1], STAGE_STREAMS);
  /* Descriptors opened without O_CLOEXEC (Lua's io.open) must not leak; best effort. */
  lb_child_cloexec_from(3);
  lb_child_exec(sp->argv[0], (char *const *)sp->argv, (char *const *)sp->envp);
  child_fail(p->report[1], STAGE_EXEC);
}

/* Forks; returns 0, or an errno value with *stage set when the child could not exec. */
static int start_child(lb_process *p, const spawn_spec *sp, int *stage) {
  *stage = 0;
  int err = open_fds(p, sp);
  if (err) return err;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  /* no host handler may run in the child */
  pid_t pid = fork();
  if (pid == 0) run_child(p, sp);
  err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) return err;
  for (int i = 0; i < 3; i++) close_fd(&p->child[i]);
  close_fd(&p->devnull);
  close_fd(&p->report[1]);
  /* Blocks only until the child execs (end of file) or reports why it could not. */
  child_report r;
  ssize_t n;
  do n = read(p->report[0], &r, sizeof r); while (n < 0 && errno == EINTR);
  close_fd(&p->report[0]);
  if (n != (ssize_t)sizeof r) {
    p->pid = pid;
    return 0;
  }
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}  /* it has exited with 127 */
  *stage = r.stage;
  return r.err;
}

static lb_process *new_process(lua_State *L) {
  lb_process *p = lua_newuserdatauv(L, sizeof *p, 4);  /* exit handle, stdin, stdout, stderr */
  memset(p, 0, sizeof *p);
  p->pid = -1;
  p->wstatus = -1;
  for (int i = 0; i < 3; i++) p->parent[i] = p->child[i] = -1;
  p->devnull = p->report[0] = p->report[1] = -1;
  luaL_setmetatable(L, PROCESS_MT);
  return p;
}

/* core.spawn{...} -> Process, or raises "cannot run 'prog': reason" */
static int c_spawn(lua_State *L) {
  spawn_spec sp;
  parse_spec(L, &sp);
  lb_process *p = new_process(L);
  int pi = lua_gettop(L);
  lb_handle *h = lb_core_new_handle(L);
  lua_setiuservalue(L, pi, 1);
  int stage;
  int err = start_child(p, &sp, &stage);
  if (err == 0 && lb_loop_process_start(get_loop(L), h, p->pid) != 0) {
    err = errno;  /* out of memory: do not leave a child nobody reaps */
    kill(p->pid, SIGKILL);
    while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {}
    p->pid = -1;
  }
  if (err) {
    close_all(p);
    if (stage == STAGE_CHDIR)
      return luaL_error(L, "cannot run '%s': cannot change directory to '%s': %s", sp.argv[0], sp.cwd,
                        strerror(err));
    if (stage == STAGE_USER)
      return luaL_error(L, "cannot run '%s' as user '%s': %s", sp.argv[0], sp.user, strerror(err));
    if (stage == STAGE_STREAMS)
      return luaL_error(L, "cannot run '%s': cannot set up its standard streams: %s", sp.argv[0], strerror(err));
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

/* The exit status if known by now (the process is argument 1), else -1. */
static int update_status(lua_State *L, lb_process *p) {
  if (p->wstatus != -1 || p->pid <= 0) return p->wstatus;
  lua_getiuservalue(L, 1, 1);
  lb_handle *h = (lb_handle *)lua_touserdata(L, -1);
  lua_pop(L, 1);  /* the userdata still references it */
  int ws;
  if (h != NULL && h->wstatus != -1) {
    p->wstatus = h->wstatus;
    p->from_handle = 1;
    return p->wstatus;
  }
  switch (lb_loop_process_state(get_loop(L), p->pid, &ws)) {
    case LB_CHILD_REAPED: p->wstatus = ws; break;
    case LB_CHILD_UNKNOWN: p->wstatus = -2; p->from_handle = 1; break;  /* cannot happen */
    default: break;
  }
  return p->wstatus;
}

/* process:pid() -> integer */
static int p_pid(lua_State *L) {
  lua_pushinteger(L, check_process(L)->pid);
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
  if (h == NULL || h->state != LB_CANCELLED) return 1;
  int ws = update_status(L, p);
  lb_handle *nh = lb_core_new_handle(L);
  if (ws != -1) {
    nh->kind = LB_PROCESS;
    nh->pid = p->pid;
    nh->wstatus = ws;
    nh->state = LB_DONE;
  } else {
    if (lb_loop_process_start(get_loop(L), nh, p->pid) != 0)
      return luaL_error(L, "cannot watch process %d: %s", (int)p->pid, strerror(errno));
    lb_core_anchor(L, nh);
  }
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, 1, 1);
  return 1;
}

/* process:status() -> "running" | "exited", code | "signaled", signal | "unknown" */
static int p_status(lua_State *L) {
  int ws = update_status(L, check_process(L));
  if (ws == -1) {
    lua_pushliteral(L, "running");
    return 1;
  }
  return lb_process_push_status(L, ws);
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
  if (update_status(L, p) != -1 || p->pid <= 0) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "the process has already exited");
    return 2;
  }
  if (kill(p->group ? -p->pid : p->pid, sig) != 0) {
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
  if (p->pid > 0) {
    update_status(L, p);
    if (!p->from_handle) lb_loop_process_release(get_loop(L), p->pid);
  }
  return 0;
}

static int p_tostring(lua_State *L) {
  lb_process *p = check_process(L);
  int ws = update_status(L, p);
  int pid = (int)p->pid;
  if (ws == -1) lua_pushfstring(L, "lakebase.Process(pid %d, running)", pid);
  else if (ws >= 0 && WIFEXITED(ws)) lua_pushfstring(L, "lakebase.Process(pid %d, exited %d)", pid, WEXITSTATUS(ws));
  else if (ws >= 0 && WIFSIGNALED(ws)) lua_pushfstring(L, "lakebase.Process(pid %d, signal %d)", pid, WTERMSIG(ws));
  else lua_pushfstring(L, "lakebase.Process(pid %d, status unknown)", pid);
  return 1;
}

static const luaL_Reg process_methods[] = {
  {"pid", p_pid}, {"handle", p_handle}, {"status", p_status}, {"kill", p_kill},
  {"stdin", p_stdin}, {"stdout", p_stdout}, {"stderr", p_stderr}, {NULL, NULL}
};

void lb_process_register(lua_State *L, lb_loop *loop) {
  luaL_newmetatable(L, PROCESS_MT);
  lua_pushlightuserdata(L, loop);
  lua_pushcclosure(L, p_gc, 1);
  lua_setfield(L, -2, "__gc");
  lua_pushlightuserdata(L, loop);
  lua_pushcclosure(L, p_tostring, 1);
  lua_setfield(L, -2, "__tostring");
  lua_newtable(L);
  lua_pushlightuserdata(L, loop);
  luaL_setfuncs(L, process_methods, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushlightuserdata(L, loop);
  lua_pushcclosure(L, c_spawn, 1);
  lua_setfield(L, -2, "spawn");
  lua_pushcfunction(L, c_signal);
  lua_setfield(L, -2, "signal");
}
