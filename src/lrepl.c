/*
** lrepl.c: line editing for the REPL through libedit's callback interface, so the event loop
** keeps running while the user types: Lua waits for standard input to be readable, then calls
** core.repl_feed(), which hands libedit the available characters and returns a finished line,
** false at end of input (Ctrl-D), or nil while the line is still being edited. History persists
** in a file written with mode 0600. Tab completion asks a Lua function (the REPL's own code, run
** protected) for candidates.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <editline/readline.h>
#include "lua.h"
#include "lauxlib.h"
#include "lrepl.h"
#include "lsocket.h"
#include "dynlib.h"

/*
** The libedit functions and variables used, loaded when the REPL starts (see dynlib.h): each
** field points at the function or variable of the same name.
*/
#define EDIT_SYMBOLS(X) \
  X(using_history) X(stifle_history) X(read_history) X(write_history) X(add_history) \
  X(clear_history) X(rl_callback_handler_install) X(rl_callback_handler_remove) \
  X(rl_callback_read_char) X(rl_completion_matches) X(rl_line_buffer) \
  X(rl_attempted_completion_over) X(rl_completion_append_character) \
  X(rl_attempted_completion_function) X(rl_catch_signals) X(rl_readline_name)

static struct {
#define EDIT_FIELD(name) __typeof__(name) *name;
  EDIT_SYMBOLS(EDIT_FIELD)
#undef EDIT_FIELD
} ed;

/* Loads libedit on the first call; raises a Lua error when it cannot. */
static void need_libedit(lua_State *L) {
  static void *libedit;
  static const lb_dl_symbol symbols[] = {
#define EDIT_SYMBOL(name) {#name, (void **)&ed.name},
    EDIT_SYMBOLS(EDIT_SYMBOL)
#undef EDIT_SYMBOL
    {NULL, NULL}
  };
  const char *err;
  if (lb_dl_load(LB_LIBEDIT_SONAME, symbols, &libedit, &err) != 0) luaL_error(L, "repl: %s", err);
}

static struct {
  lua_State *L;        /* valid during repl_feed, when completion may run */
  int completer;       /* registry reference of the Lua completion function */
  char *history;       /* history file path */
  int installed;       /* a prompt is installed */
  int have_line;       /* on_line ran */
  char *line;          /* its line (NULL: end of input) */
  char **candidates;   /* completion candidates from Lua, NULL-terminated */
} R = {NULL, LUA_NOREF, NULL, 0, 0, NULL, NULL};

/* Stops line editing, when it runs: the terminal is ours again. */
static void edit_stop(void) {
  if (R.installed) ed.rl_callback_handler_remove();
  R.installed = 0;
}

static void on_line(char *line) {
  R.have_line = 1;
  R.line = line;
  edit_stop();  /* no echo until the next prompt */
}

static void free_candidates(void) {
  if (R.candidates) {
    for (char **c = R.candidates; *c; c++) free(*c);
    free(R.candidates);
    R.candidates = NULL;
  }
}

static char *next_candidate(const char *text, int state) {
  static int i;
  (void)text;
  if (state == 0) i = 0;
  if (!R.candidates || !R.candidates[i]) return NULL;
  return strdup(R.candidates[i++]);
}

static char **complete(const char *text, int start, int end) {
  (void)start;
  (void)end;
  *ed.rl_attempted_completion_over = 1;  /* never fall back to file names */
  *ed.rl_completion_append_character = '\0';  /* "lakebase.sleep(" needs no space */
  free_candidates();
  lua_State *L = R.L;
  if (!L || R.completer == LUA_NOREF) return NULL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, R.completer);
  lua_pushstring(L, text);
  lua_pushstring(L, *ed.rl_line_buffer ? *ed.rl_line_buffer : "");
  if (lua_pcall(L, 2, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  lua_Integer n = luaL_len(L, -1);
  R.candidates = calloc((size_t)n + 1, sizeof *R.candidates);
  if (!R.candidates) {
    lua_pop(L, 1);
    return NULL;
  }
  int k = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    const char *s = lua_tostring(L, -1);
    if (s && (R.candidates[k] = strdup(s)) != NULL) k++;
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return k > 0 ? ed.rl_completion_matches(text, next_candidate) : NULL;
}

/* core.repl_open(history_path, completer) */
static int c_open(lua_State *L) {
  need_libedit(L);
  const char *path = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  free(R.history);
  R.history = strdup(path);
  if (R.completer != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, R.completer);
  lua_pushvalue(L, 2);
  R.completer = luaL_ref(L, LUA_REGISTRYINDEX);
  *ed.rl_catch_signals = 0;  /* the host's loop owns SIGINT */
  *ed.rl_readline_name = "lakebase";
  *ed.rl_attempted_completion_function = complete;
  ed.using_history();
  ed.stifle_history(2000);
  if (R.history) ed.read_history(R.history);
  return 0;
}

/* core.repl_prompt(prompt): shows the prompt and starts editing a line. */
static int c_prompt(lua_State *L) {
  need_libedit(L);
  const char *prompt = luaL_checkstring(L, 1);
  edit_stop();
  R.have_line = 0;
  ed.rl_callback_handler_install(prompt, on_line);
  R.installed = 1;
  return 0;
}

/* core.repl_feed() -> line | false (end of input) | nil (not finished) */
static int c_feed(lua_State *L) {
  need_libedit(L);
  if (!R.installed) return 0;
  R.L = L;
  ed.rl_callback_read_char();
  R.L = NULL;
  if (!R.have_line) return 0;
  R.have_line = 0;
  if (R.line == NULL) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (R.line[0] != '\0') ed.add_history(R.line);
  lua_pushstring(L, R.line);
  free(R.line);
  R.line = NULL;
  return 1;
}

/*
** core.repl_stdin() -> a copy of standard input as a non-blocking Socket, for input that is not a
** terminal (a pipe, a file): libedit's callback interface neither reads it line by line nor
** reports its end, so the REPL reads it itself.
*/
static int c_stdin(lua_State *L) {
  int fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return luaL_error(L, "standard input: %s", strerror(errno));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);  /* shared with descriptor 0: no terminal */
  lb_socket_push_fd(L, fd);
  return 1;
}

/* core.repl_interrupt(): abandons the line being edited (Ctrl-C at the prompt). */
static int c_interrupt(lua_State *L) {
  need_libedit(L);
  edit_stop();
  fputs("^C\n", stdout);
  fflush(stdout);
  return 0;
}

/* core.repl_close(): saves the history (mode 0600) and restores the terminal. */
static int c_close(lua_State *L) {
  need_libedit(L);
  edit_stop();
  if (R.history) {
    /* Created private before anything is written: lines may hold secrets. */
    int fd = open(R.history, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      fchmod(fd, 0600);
      close(fd);
    }
    ed.write_history(R.history);
    free(R.history);
    R.history = NULL;
  }
  ed.clear_history();
  free_candidates();
  if (R.completer != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, R.completer);
    R.completer = LUA_NOREF;
  }
  return 0;
}

void lb_repl_register(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"repl_open", c_open}, {"repl_prompt", c_prompt}, {"repl_feed", c_feed},
    {"repl_interrupt", c_interrupt}, {"repl_close", c_close}, {"repl_stdin", c_stdin}, {NULL, NULL}
  };
  luaL_setfuncs(L, funcs, 0);
}
