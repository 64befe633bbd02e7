/*
** embedded.h: the Lua sources under lua/, compiled into the binary as text by the build
** (cmake/embed_lua.cmake writes the table).
*/
#ifndef LB_EMBEDDED_H
#define LB_EMBEDDED_H
#include <stddef.h>

typedef struct lb_embedded_module {
  const char *name;  /* module name: "lakebase.sched" */
  const char *path;  /* path in the repository: "lua/lakebase/sched.lua" */
  const char *source;
  size_t length;
} lb_embedded_module;

extern const lb_embedded_module lb_embedded_modules[];
extern const size_t lb_embedded_count;
#endif
