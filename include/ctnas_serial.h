/*
 * ctnas_serial.h
 *	  Little-endian byte buffers for checkpoints (the search state): a
 *	  growing writer and a bounds-checked reader, so a damaged checkpoint is
 *	  an error, never a read past the end.
 */
#ifndef CTNAS_SERIAL_H
#define CTNAS_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ct_wbuf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} ct_wbuf;

extern void ct_wbuf_init(ct_wbuf *w);
extern void ct_wbuf_free(ct_wbuf *w);
extern void ct_wbuf_bytes(ct_wbuf *w, const void *p, size_t n);
extern void ct_wbuf_u32(ct_wbuf *w, uint32_t x);
extern void ct_wbuf_u64(ct_wbuf *w, uint64_t x);
extern void ct_wbuf_f64(ct_wbuf *w, double x);
extern void ct_wbuf_f32s(ct_wbuf *w, const float *x, size_t n);

typedef struct ct_rbuf
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	bool		bad;			/* a read went past the end: every later read gives 0 */
} ct_rbuf;

extern void ct_rbuf_init(ct_rbuf *r, const uint8_t *data, size_t len);
extern bool ct_rbuf_bytes(ct_rbuf *r, void *p, size_t n);
extern uint32_t ct_rbuf_u32(ct_rbuf *r);
extern uint64_t ct_rbuf_u64(ct_rbuf *r);
extern double ct_rbuf_f64(ct_rbuf *r);
extern bool ct_rbuf_f32s(ct_rbuf *r, float *x, size_t n);

#endif
