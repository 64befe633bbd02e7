/*
** sha256.h: SHA-256 (FIPS 180-4) for checksums of recipe packages: in-process, so checking a
** package needs no child process and the parser can be fuzzed at full speed.
*/
#ifndef LB_SHA256_H
#define LB_SHA256_H
#include <stddef.h>
#include <stdint.h>

/* Writes the digest of data[0..len) as 64 lowercase hex digits and a NUL into hex. */
void lb_sha256_hex(const void *data, size_t len, char hex[65]);
#endif
