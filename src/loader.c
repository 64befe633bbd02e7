/*
** loader.c: `require` finds lakebase's own modules in the binary, or first on disk while
** developing. Built-in modules are bytecode the build compiled (src/embed_lua.c) and load as
** binary ("b") only; files on disk always load as text ("t"), never as bytecode.
*/
#include <stdlib.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"
#include "embedded.h"
#include "loader.h"

static const lb_embedded_module *find_embedded(const char *name) {
  for (size_t i = 0; i < lb_embedded_count; i++)
    if (strcmp(lb_embedded_modules[i].name, name) == 0) return &lb_embedded_modules[i];
  return NULL;
}

/* Searcher: the module compiled into the binary. */
static int search_embedded(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const lb_embedded_module *m = find_embedded(name);
  if (m == NULL) {
    lua_pushfstring(L, "no module '%s' built into lakebase", name);
    return 1;
  }
  /* The chunk keeps the name it was compiled with, "@lua/lakebase/x.lua", for tracebacks. */
  if (luaL_loadbufferx(L, (const char *)m->code, m->length, m->path, "b") != LUA_OK)
    return luaL_error(L, "error loading built-in module '%s':\n\t%s", name, lua_tostring(L, -1));
  lua_pushstring(L, m->path);
  return 2;
}

/* Searcher: $LAKEBASE_LUA_DIR/a/b.lua or $LAKEBASE_LUA_DIR/a/b/init.lua for module a.b. */
static int search_override(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char *dir = getenv("LAKEBASE_LUA_DIR");
  if (dir == NULL || *dir == '\0') {
    lua_pushliteral(L, "LAKEBASE_LUA_DIR is not set");
    return 1;
  }
  const char *rel = luaL_gsub(L, name, ".", "/");
  lua_pushfstring(L, "%s/%s.lua;%s/%s/init.lua", dir, rel, dir, rel);
  const char *found = NULL;
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchpath");
  lua_pushstring(L, name);
  lua_pushvalue(L, -4);  /* the template */
  lua_call(L, 2, 2);
  found = lua_tostring(L, -2);
  if (found == NULL) return 1;  /* the message listing the files tried */
  if (luaL_loadfilex(L, found, "t") != LUA_OK)
    return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, found, lua_tostring(L, -1));
  lua_pushstring(L, found);
  return 2;
}

void lb_loader_install(lua_State *L) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  /* Shift searchers 2..n up by two, then put ours at 2 and 3. */
  for (lua_Integer i = n; i >= 2; i--) {
    lua_rawgeti(L, -1, i);
    lua_rawseti(L, -2, i + 2);
  }
  lua_pushcfunction(L, search_override);
  lua_rawseti(L, -2, 2);
  lua_pushcfunction(L, search_embedded);
  lua_rawseti(L, -2, 3);
  lua_pop(L, 2);
}
