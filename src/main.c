/*
** main.c: the lakebase executable (also the children's watchdog, see watchdog.h).
*/
#include <string.h>
#include "host.h"
#include "watchdog.h"

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], LB_WATCHDOG_ARG) == 0) return lb_watchdog_main();
  return lb_host_main(argc, argv);
}
