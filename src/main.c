/*
** main.c: the lakebase executable.
*/
#include "host.h"

int main(int argc, char **argv) {
  return lb_host_main(argc, argv);
}
