/* lfile.h: files holding secrets (core.write_private, core.file_mode). */
#ifndef LB_LFILE_H
#define LB_LFILE_H
#include "lua.h"
/* Adds write_private and file_mode to the table on top of the stack. */
void lb_file_register(lua_State *L);
#endif
