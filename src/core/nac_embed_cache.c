/*
 * nac_embed_cache.c
 *	  A direct-mapped cache of cell embeddings for one frozen model, so that
 *	  comparing or scoring a cell again (cross joins, ORDER BY, repeated
 *	  comparisons against a baseline) costs a lookup instead of a forward pass.
 */
#include "ctnas_nac.h"

#include <string.h>

#include "ctnas_alloc.h"

struct ct_nac_embed_cache
{
	int			size;			/* entries, a power of two */
	int			width;
	ct_arch    *keys;
	bool	   *used;
	float	   *feat;			/* size x width */
};

ct_nac_embed_cache *
ct_nac_embed_cache_create(const ct_nac *m, int size)
{
	ct_nac_embed_cache *c = ct_calloc(1, sizeof(ct_nac_embed_cache));

	c->size = 1;
	while (c->size < size)
		c->size *= 2;
	c->width = m->feat;
	c->keys = ct_calloc(c->size, sizeof(ct_arch));
	c->used = ct_calloc(c->size, sizeof(bool));
	c->feat = ct_malloc(sizeof(float) * (size_t) c->size * c->width);
	return c;
}

void
ct_nac_embed_cache_destroy(ct_nac_embed_cache *c)
{
	if (c == NULL)
		return;
	ct_free(c->keys);
	ct_free(c->used);
	ct_free(c->feat);
	ct_free(c);
}

const float *
ct_nac_embed_cached(ct_nac_embed_cache *c, const ct_nac *m, ct_nac_batch *bt, const ct_arch *g)
{
	uint32_t	i = (uint32_t) (ct_arch_hash64(g) & (uint64_t) (c->size - 1));
	float	   *f = c->feat + (size_t) i * c->width;

	if (!c->used[i] || !ct_arch_eq(&c->keys[i], g))
	{
		float		fresh[CT_NAC_MAX_FEAT];

		/* the slot changes only once the embedding is complete (forward may raise an ERROR) */
		ct_nac_forward(m, bt, g, 1, fresh);
		c->used[i] = false;
		memcpy(f, fresh, sizeof(float) * c->width);
		c->keys[i] = *g;
		c->used[i] = true;
	}
	return f;
}
