/*
 * serial.c
 *	  Checkpoint byte buffers (ctnas_serial.h).  Numbers are written
 *	  little-endian byte by byte, so a checkpoint reads the same anywhere.
 */
#include "ctnas_serial.h"

#include <string.h>

#include "ctnas_alloc.h"

void
ct_wbuf_init(ct_wbuf *w)
{
	w->data = NULL;
	w->len = 0;
	w->cap = 0;
}

void
ct_wbuf_free(ct_wbuf *w)
{
	ct_free(w->data);
	ct_wbuf_init(w);
}

static uint8_t *
wbuf_room(ct_wbuf *w, size_t n)
{
	if (w->len + n > w->cap)
	{
		size_t		cap = w->cap ? w->cap : 4096;
		uint8_t    *grown;

		while (cap < w->len + n)
			cap *= 2;
		grown = ct_malloc(cap);
		if (w->len > 0)
			memcpy(grown, w->data, w->len);
		ct_free(w->data);
		w->data = grown;
		w->cap = cap;
	}
	w->len += n;
	return w->data + w->len - n;
}

void
ct_wbuf_bytes(ct_wbuf *w, const void *p, size_t n)
{
	if (n > 0)
		memcpy(wbuf_room(w, n), p, n);
}

void
ct_wbuf_u32(ct_wbuf *w, uint32_t x)
{
	uint8_t    *p = wbuf_room(w, 4);

	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (x >> (8 * i));
}

void
ct_wbuf_u64(ct_wbuf *w, uint64_t x)
{
	uint8_t    *p = wbuf_room(w, 8);

	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (x >> (8 * i));
}

void
ct_wbuf_f64(ct_wbuf *w, double x)
{
	uint64_t	u;

	memcpy(&u, &x, 8);
	ct_wbuf_u64(w, u);
}

void
ct_wbuf_f32s(ct_wbuf *w, const float *x, size_t n)
{
	uint8_t    *p = wbuf_room(w, 4 * n);

	for (size_t k = 0; k < n; k++)
	{
		uint32_t	u;

		memcpy(&u, &x[k], 4);
		for (int i = 0; i < 4; i++)
			p[4 * k + i] = (uint8_t) (u >> (8 * i));
	}
}

void
ct_rbuf_init(ct_rbuf *r, const uint8_t *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

/* The next n bytes, or NULL (and bad) when fewer are left. */
static const uint8_t *
rbuf_take(ct_rbuf *r, size_t n)
{
	if (r->bad || n > r->len - r->pos)
	{
		r->bad = true;
		return NULL;
	}
	r->pos += n;
	return r->data + r->pos - n;
}

bool
ct_rbuf_bytes(ct_rbuf *r, void *p, size_t n)
{
	const uint8_t *s = rbuf_take(r, n);

	if (s == NULL)
		return false;
	if (n > 0)
		memcpy(p, s, n);
	return true;
}

uint32_t
ct_rbuf_u32(ct_rbuf *r)
{
	const uint8_t *p = rbuf_take(r, 4);
	uint32_t	x = 0;

	for (int i = 0; p != NULL && i < 4; i++)
		x |= (uint32_t) p[i] << (8 * i);
	return x;
}

uint64_t
ct_rbuf_u64(ct_rbuf *r)
{
	const uint8_t *p = rbuf_take(r, 8);
	uint64_t	x = 0;

	for (int i = 0; p != NULL && i < 8; i++)
		x |= (uint64_t) p[i] << (8 * i);
	return x;
}

double
ct_rbuf_f64(ct_rbuf *r)
{
	uint64_t	u = ct_rbuf_u64(r);
	double		x;

	memcpy(&x, &u, 8);
	return x;
}

bool
ct_rbuf_f32s(ct_rbuf *r, float *x, size_t n)
{
	const uint8_t *p;

	if (n > (r->len - r->pos) / 4)
	{
		r->bad = true;
		return false;
	}
	p = rbuf_take(r, 4 * n);
	if (p == NULL)
		return false;
	for (size_t k = 0; k < n; k++)
	{
		uint32_t	u = 0;

		for (int i = 0; i < 4; i++)
			u |= (uint32_t) p[4 * k + i] << (8 * i);
		memcpy(&x[k], &u, 4);
	}
	return true;
}
