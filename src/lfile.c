/*
** lfile.c: core.write_private(path, data [, sync [, mode]]) writes a file: mode 0600 (or `mode`) from
** the start, to a new PATH.tmp-PID (O_EXCL, no symlink followed), flushed and renamed over PATH (a
** symlink there replaced, not written through): a reader sees the old or the new content, never half.
** Returns true, or nil and a message naming the path.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lua.h"
#include "lauxlib.h"
#include "lfile.h"
#include <uv.h>

static int fail(lua_State *L, const char *what, const char *path, int err) {
  lua_pushnil(L);
  lua_pushfstring(L, "cannot %s %s: %s", what, path, strerror(err));
  return 2;
}

/* Creates a new temporary file next to path, pushing its name; returns the descriptor, or -1
   with errno set (the name tried last pushed). */
static int create_tmp(lua_State *L, const char *path) {
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned int salt = 0;
    if (attempt > 0 && uv_random(NULL, NULL, &salt, sizeof salt, 0, NULL) != 0)
      salt = (unsigned int)rand() ^ (unsigned int)attempt;
    const char *tmp = attempt == 0 ? lua_pushfstring(L, "%s.tmp-%d", path, (int)getpid())
                                   : lua_pushfstring(L, "%s.tmp-%d-%d", path, (int)getpid(), (int)(salt >> 1));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0 || errno != EEXIST) return fd;
    lua_pop(L, 1);
  }
  lua_pushfstring(L, "%s.tmp-%d-*", path, (int)getpid());
  errno = EEXIST;
  return -1;
}

static int c_write_private(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  int sync = lua_isnone(L, 3) || lua_toboolean(L, 3);
  mode_t mode = (mode_t)luaL_optinteger(L, 4, 0600) & 0777;
  int fd = create_tmp(L, path);
  const char *tmp = lua_tostring(L, -1);
  if (fd < 0) return fail(L, "create", tmp, errno);
  int err = fchmod(fd, mode) != 0 ? errno : 0;  /* exactly the mode, whatever the umask */
  for (size_t off = 0; !err && off < len;) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    else off += (size_t)n;
  }
  if (!err && sync && fsync(fd) != 0) err = errno;
  if (close(fd) != 0 && !err) err = errno;
  if (!err && rename(tmp, path) != 0) err = errno;
  if (err) {
    unlink(tmp);
    return fail(L, "write", path, err);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* core.file_mode(path) -> permission bits (0600) and type bits (S_IFMT) of what path leads to, and
   whether path itself is a symbolic link; or nil and a message */
static int c_file_mode(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st, link;
  if (stat(path, &st) != 0) return fail(L, "stat", path, errno);
  lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
  lua_pushinteger(L, (lua_Integer)(st.st_mode & S_IFMT));
  lua_pushboolean(L, lstat(path, &link) == 0 && S_ISLNK(link.st_mode));
  return 3;
}

void lb_file_register(lua_State *L) {
  static const luaL_Reg funcs[] = {{"write_private", c_write_private}, {"file_mode", c_file_mode}, {NULL, NULL}};
  luaL_setfuncs(L, funcs, 0);
}
