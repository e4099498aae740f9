/*
 * ctnas_md5.h
 *	  MD5 (RFC 1321), only for NAS-Bench-101's module hash; not for security.
 */
#ifndef CTNAS_MD5_H
#define CTNAS_MD5_H

#include <stddef.h>

/* Writes the 32 lowercase hex digits of md5(data) and a terminating NUL. */
extern void ct_md5_hex(const void *data, size_t len, char out[33]);

#endif
