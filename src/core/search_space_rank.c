/*
 * search_space_rank.c
 *	  What a finished CTNAS search would propose next: the architectures its
 *	  NAC ranks best among those it did not read (the option "list",
 *	  ct_ctnas_list), and for recipe "default" in a whole space (space "darts",
 *	  ...), its final choice (ct_ctnas_final).
 *
 * With space "oracle" the candidates are the oracle's unread rows.  With a
 * space named they come from the whole space, which cannot be ranked whole
 * (DARTS has ~9e18 genotypes): the cells read, SPACE_RANDOM samples of the
 * space's sampler, as many samples of the trained controller (recipe
 * "paper"), then SPACE_CLIMBS rounds that add every neighbour (the space's
 * one-change mutations) of the SPACE_PARENTS best-ranked so far: a search
 * by the NAC alone, which costs no query.  Its own random stream (from the
 * seed), so it never changes the search it follows.
 */
#include "ctnas_search_internal.h"

#include <math.h>
#include <stdlib.h>

#include "ctnas_alloc.h"

#define SPACE_RANDOM	1000
#define SPACE_CLIMBS	3
#define SPACE_PARENTS	8
#define LIST_STREAM		UINT64_C(0x6c6973742d72616e)	/* "list-ran": the ranking's stream */

typedef struct candidate
{
	ct_arch		arch;
	double		score;
} candidate;

/* Candidates, each once (an open-addressing set over them). */
typedef struct candidate_set
{
	candidate  *c;
	size_t		n;
	size_t		cap;
	int64_t    *slot;			/* index into c, or -1 */
	size_t		nslots;			/* a power of 2, at least twice cap */
} candidate_set;

static void
set_init(candidate_set *cs, size_t cap)
{
	cs->c = ct_malloc(sizeof(candidate) * (cap > 0 ? cap : 1));
	cs->n = 0;
	cs->cap = cap;
	cs->nslots = 16;
	while (cs->nslots < 2 * cap)
		cs->nslots *= 2;
	cs->slot = ct_malloc(sizeof(int64_t) * cs->nslots);
	for (size_t i = 0; i < cs->nslots; i++)
		cs->slot[i] = -1;
}

static void
set_free(candidate_set *cs)
{
	ct_free(cs->c);
	ct_free(cs->slot);
}

/* Adds a (score NaN until scored); false when it is there already or the set is full. */
static bool
set_add(candidate_set *cs, const ct_arch *a)
{
	size_t		i = (size_t) ct_arch_hash64(a) & (cs->nslots - 1);

	for (; cs->slot[i] >= 0; i = (i + 1) & (cs->nslots - 1))
		if (ct_arch_eq(&cs->c[cs->slot[i]].arch, a))
			return false;
	if (cs->n >= cs->cap)
		return false;
	cs->slot[i] = (int64_t) cs->n;
	cs->c[cs->n].arch = *a;
	cs->c[cs->n++].score = NAN;
	return true;
}

/* Scores candidates from..n-1 with the search's current NAC. */
static void
score_from(ct_ctnas_search *s, candidate_set *cs, size_t from)
{
	const ct_nac *m = current_nac(s);
	ct_arch		chunk[SCORE_BATCH];

	for (size_t i = from; i < cs->n; i += SCORE_BATCH)
	{
		int			k = (int) (cs->n - i < SCORE_BATCH ? cs->n - i : SCORE_BATCH);
		const float *f;

		for (int j = 0; j < k; j++)
			chunk[j] = cs->c[i + j].arch;
		f = embed(s, chunk, k);
		for (int j = 0; j < k; j++)
			cs->c[i + j].score = ct_nac_score_feat(m, f + (size_t) j * m->feat);
		if (s->interrupt)
			s->interrupt(s->interrupt_arg);
	}
}

/*
 * Best score first, scores that are not finite (a model whose activations
 * overflow on some architecture) last; ties in architecture order, so the
 * ranking is one fixed order.
 */
static int
by_score(const void *a, const void *b)
{
	const candidate *x = a;
	const candidate *y = b;
	bool		fx = isfinite(x->score),
				fy = isfinite(y->score);

	if (fx != fy)
		return fx ? -1 : 1;
	if (fx && x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return ct_arch_cmp(&x->arch, &y->arch);
}

/* The whole space's candidates, ranked (cs->c best first). */
static bool
rank_space(ct_ctnas_search *s, candidate_set *cs, ct_error *err)
{
	const ct_space *sp = s->b->oracle->space;
	const ct_budget *b = s->b;
	bool		paper = s->opt.recipe == CT_CTNAS_RECIPE_PAPER;
	size_t		cap = (size_t) b->used + (paper ? 2 : 1) * SPACE_RANDOM +
		(size_t) SPACE_CLIMBS * SPACE_PARENTS * CT_SPACE_NEIGHBOURS_MAX;
	ct_rng		rng;
	ct_arch    *nb = ct_malloc(sizeof(ct_arch) * CT_SPACE_NEIGHBOURS_MAX);

	set_init(cs, cap);
	ct_rng_seed(&rng, s->opt.seed ^ LIST_STREAM);
	for (int i = 0; i < b->used; i++)
		set_add(cs, &b->oracle->cells[b->log[i]]);
	for (int i = 0; i < SPACE_RANDOM; i++)
	{
		ct_arch		a;

		sp->random(ct_rng_next(&rng), &a);
		set_add(cs, &a);
	}
	if (paper)
		for (int i = 0; i < SPACE_RANDOM; i++)
		{
			ct_arch		a;

			ct_controller_sample(&s->ctrl, &rng, false, s->sample);
			if (!ct_controller_arch(&s->ctrl, s->sample->actions, &a, err))
				return ct_free(nb), false;
			set_add(cs, &a);
		}
	score_from(s, cs, 0);
	for (int climb = 0; climb < SPACE_CLIMBS && sp->neighbours != NULL; climb++)
	{
		size_t		before = cs->n;

		qsort(cs->c, cs->n, sizeof(candidate), by_score);
		/* (sorting moved the candidates: the set's slots are rebuilt) */
		for (size_t i = 0; i < cs->nslots; i++)
			cs->slot[i] = -1;
		{
			size_t		n = cs->n;

			cs->n = 0;
			for (size_t i = 0; i < n; i++)
			{
				candidate	c = cs->c[i];

				set_add(cs, &c.arch);
				cs->c[cs->n - 1].score = c.score;
			}
		}
		for (int p = 0; p < SPACE_PARENTS && (size_t) p < before; p++)
		{
			ct_arch		parent = cs->c[p].arch;
			int			k = sp->neighbours(&parent, nb, CT_SPACE_NEIGHBOURS_MAX);

			for (int j = 0; j < k; j++)
				set_add(cs, &nb[j]);
		}
		if (cs->n == before)
			break;
		score_from(s, cs, before);
	}
	qsort(cs->c, cs->n, sizeof(candidate), by_score);
	ct_free(nb);
	return true;
}

size_t
space_rank_memory(const ct_ctnas_options *opt, int budget, size_t oracle_cells)
{
	size_t		cap;

	if (opt->list == 0 && !(opt->space == CT_PROPOSE_SPACE && opt->recipe == CT_CTNAS_RECIPE_DEFAULT))
		return 0;
	cap = opt->space == CT_PROPOSE_SPACE
		? (size_t) budget + (opt->recipe == CT_CTNAS_RECIPE_PAPER ? 2 : 1) * SPACE_RANDOM +
		(size_t) SPACE_CLIMBS * SPACE_PARENTS * CT_SPACE_NEIGHBOURS_MAX
		: oracle_cells;
	/* the candidates, their slots (at most 4 per candidate, at least 16), the list */
	return cap * (sizeof(candidate) + 4 * sizeof(int64_t)) + 16 * sizeof(int64_t) +
		(size_t) opt->list * (sizeof(ct_arch) + sizeof(double)) + sizeof(ct_arch) * CT_SPACE_NEIGHBOURS_MAX;
}

/* The oracle's unread rows, ranked. */
static void
rank_oracle(ct_ctnas_search *s, candidate_set *cs)
{
	const ct_budget *b = s->b;
	size_t		unread = 0;

	for (size_t r = 0; r < b->oracle->n; r++)
		unread += b->seen[r] == CT_ROW_NEW;
	set_init(cs, unread);
	for (size_t r = 0; r < b->oracle->n; r++)
		if (b->seen[r] == CT_ROW_NEW)
			set_add(cs, &b->oracle->cells[r]);
	score_from(s, cs, 0);
	qsort(cs->c, cs->n, sizeof(candidate), by_score);
}

/* Ranks once, when the search is done, and keeps what ct_ctnas_list and ct_ctnas_final read. */
CT_SEARCH_INTERNAL bool
space_rank_ready(ct_ctnas_search *s, ct_error *err)
{
	candidate_set cs;
	bool		whole = s->opt.space == CT_PROPOSE_SPACE;
	int			keep = s->opt.list;

	if (s->ranked || current_nac(s) == NULL || s->ph != PH_DONE)
		return true;
	if (keep == 0 && !(whole && s->opt.recipe == CT_CTNAS_RECIPE_DEFAULT))
	{
		s->ranked = true;		/* nothing to list, no final choice to make */
		return true;
	}
	if (whole)
	{
		if (!rank_space(s, &cs, err))
			return set_free(&cs), false;
	}
	else
		rank_oracle(s, &cs);
	s->listed = ct_malloc(sizeof(ct_arch) * (keep > 0 ? keep : 1));
	s->listed_score = ct_malloc(sizeof(double) * (keep > 0 ? keep : 1));
	s->nlisted = 0;
	s->has_space_best = false;
	for (size_t i = 0; i < cs.n; i++)
	{
		/* a score that is not finite ranks nothing (they sort last) */
		if (!isfinite(cs.c[i].score))
			break;
		/* in a whole space, the list is of what the oracle lacks: what no one has evaluated */
		if (whole && ct_oracle_find(s->b->oracle, &cs.c[i].arch) >= 0)
			continue;
		if (s->nlisted >= keep)
			break;
		s->listed[s->nlisted] = cs.c[i].arch;
		s->listed_score[s->nlisted++] = cs.c[i].score;
	}
	if (whole && cs.n > 0 && isfinite(cs.c[0].score))
	{
		s->space_best = cs.c[0].arch;
		s->has_space_best = true;
	}
	set_free(&cs);
	s->ranked = true;
	return true;
}

int
ct_ctnas_list(ct_ctnas_search *s, ct_arch *out, double *score, int max, ct_error *err)
{
	int			n;

	if (!space_rank_ready(s, err))
		return -1;
	if (!s->ranked)
		return 0;
	n = s->nlisted < max ? s->nlisted : max;
	for (int i = 0; i < n; i++)
	{
		out[i] = s->listed[i];
		score[i] = s->listed_score[i];
	}
	return n;
}
