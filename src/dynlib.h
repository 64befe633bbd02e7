/*
** dynlib.h: opening a shared library at run time, when it is first needed. libcurl and libpq
** pull in some thirty more libraries (TLS, Kerberos, LDAP, SSH, IDN...) whose loading and
** relocation would otherwise dominate every start-up, even of runs that never make an HTTP
** request or open a database connection; libedit is only for the REPL. Each user keeps a table of
** typed function pointers and fills it through lb_dl_load.
*/
#ifndef LB_DYNLIB_H
#define LB_DYNLIB_H

/* One symbol to resolve: its name and the function pointer (or variable pointer) to set. */
typedef struct lb_dl_symbol {
  const char *name;
  void **addr;
} lb_dl_symbol;

/*
** Opens soname once and resolves every symbol of the NULL-terminated syms, all or nothing.
** *handle is the library's handle, NULL until it loaded. Returns 0, or -1 with *err a message
** (valid until the next call).
*/
int lb_dl_load(const char *soname, const lb_dl_symbol *syms, void **handle, const char **err);

#endif
