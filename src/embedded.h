/*
** embedded.h: the Lua modules under lua/, compiled into the binary as bytecode with debug
** information by the build (src/embed_lua.c writes the table).
*/
#ifndef LB_EMBEDDED_H
#define LB_EMBEDDED_H
#include <stddef.h>

typedef struct lb_embedded_module {
  const char *name;  /* module name: "lakebase.runtime.sched" */
  const char *path;  /* path in the repository: "lua/lakebase/runtime/sched.lua" */
  const unsigned char *code;  /* lua_dump output */
  size_t length;
} lb_embedded_module;

extern const lb_embedded_module lb_embedded_modules[];
extern const size_t lb_embedded_count;
#endif
