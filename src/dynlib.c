/*
** dynlib.c: dlopen and dlsym for the libraries lakebase loads on first use (see dynlib.h).
*/
#include <dlfcn.h>
#include <stdio.h>
#include "dynlib.h"

int lb_dl_load(const char *soname, const lb_dl_symbol *syms, void **handle, const char **err) {
  static char msg[512];
  if (*handle != NULL) return 0;
  void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char *e = dlerror();
    snprintf(msg, sizeof msg, "cannot load %s: %s", soname, e ? e : "unknown error");
    *err = msg;
    return -1;
  }
  for (const lb_dl_symbol *s = syms; s->name != NULL; s++) {
    /* POSIX's own idiom for storing dlsym's result into a function pointer. */
    if ((*s->addr = dlsym(h, s->name)) == NULL) {
      snprintf(msg, sizeof msg, "cannot load %s: symbol %s not found", soname, s->name);
      *err = msg;
      dlclose(h);
      return -1;
    }
  }
  *handle = h;
  return 0;
}
