/*
 * fixture_files.h
 *	  Reading test fixtures: a stream, a whole file, and a file of hex digits (0.1.0's
 *	  stored models, test/fixtures/0.1.0) as bytes.
 */
#ifndef CTNAS_FIXTURE_FILES_H
#define CTNAS_FIXTURE_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads a stream to its end (a file, or a pipe's output); the caller closes it. */
static inline uint8_t *
compat_read_stream(FILE *f, size_t *len)
{
	uint8_t    *buf = NULL;
	size_t		cap = 0;

	*len = 0;
	for (;;)
	{
		size_t		got;

		if (*len == cap)
			buf = realloc(buf, cap = 2 * cap + 65536);
		got = fread(buf + *len, 1, cap - *len, f);
		if (got == 0)
			break;
		*len += got;
	}
	return buf;
}

/* Reads a whole file; NULL if it cannot. */
static inline uint8_t *
compat_read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf;

	*len = 0;
	if (f == NULL)
		return NULL;
	buf = compat_read_stream(f, len);
	fclose(f);
	return buf;
}

/* A file of hex digits (whitespace ignored) as bytes; NULL if it cannot be read. */
static inline uint8_t *
compat_read_hex(const char *path, size_t *len)
{
	size_t		tlen;
	uint8_t    *text = compat_read_file(path, &tlen);
	uint8_t    *out;
	size_t		k = 0;
	int			half = -1;

	*len = 0;
	if (text == NULL)
		return NULL;
	out = malloc(tlen / 2 + 1);
	for (size_t i = 0; i < tlen; i++)
	{
		int			c = text[i],
					v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			continue;
		if (half < 0)
			half = v;
		else
		{
			out[k++] = (uint8_t) (half << 4 | v);
			half = -1;
		}
	}
	free(text);
	*len = k;
	return out;
}

#endif
