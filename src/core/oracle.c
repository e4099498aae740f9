/*
 * oracle.c
 *	  The oracle of a search (architectures with known accuracies) and its
 *	  query budget.
 */
#include "ctnas_search.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_rng.h"

typedef struct oracle_row
{
	ct_arch		cell;
	double		acc;
	size_t		input_row;
} oracle_row;

static int
cmp_oracle_rows(const void *a, const void *b)
{
	const oracle_row *x = a;
	const oracle_row *y = b;
	int			c = ct_arch_cmp(&x->cell, &y->cell);

	return c != 0 ? c : (x->input_row > y->input_row) - (x->input_row < y->input_row);
}

/* 423624 as "423,624" */
static const char *
with_commas(int64_t v, char *buf, size_t size)
{
	char		digits[32];
	int			n = snprintf(digits, sizeof(digits), "%" PRId64, v),
				out = 0;

	for (int i = 0; i < n && (size_t) out + 2 < size; i++)
	{
		if (i > 0 && (n - i) % 3 == 0)
			buf[out++] = ',';
		buf[out++] = digits[i];
	}
	buf[out] = '\0';
	return buf;
}

bool
ct_oracle_check_rows(const ct_space *space, size_t n, ct_error *err)
{
	char		size[32],
				message[160];

	/* the same SQLSTATE as "holds a cell twice", which such an oracle always does */
	if (space == NULL || n <= (size_t) space->size)
		return true;
	snprintf(message, sizeof(message), "the oracle has more rows than %s has cells", space->title);
	return ct_fail(err, CT_ERR_INVALID, message,
				   "%s has %s distinct cells, so an oracle of more rows holds a cell twice; reading stopped at row %zu.",
				   space->title, with_commas(space->size, size, sizeof(size)), n);
}

/* An empty hash index for n rows: a power of two at least twice n. */
static void
hash_alloc(ct_oracle *o, size_t n)
{
	for (o->hash_size = 16; o->hash_size < 2 * n; o->hash_size *= 2)
		;
	o->hash = ct_calloc(o->hash_size, sizeof(int64_t));
}

/* Indexes row r (its cell must not be in the index yet). */
static void
hash_insert(ct_oracle *o, size_t r)
{
	size_t		i;

	for (i = ct_arch_hash64(&o->cells[r]) & (o->hash_size - 1); o->hash[i] != 0; i = (i + 1) & (o->hash_size - 1))
		;
	o->hash[i] = (int64_t) r + 1;
}

/* The rows in cell order, and the hash index: an oracle's rows never depend on the order they came in. */
static bool
oracle_fill(ct_oracle *o, const ct_arch *cells, const double *acc, size_t n, ct_error *err)
{
	oracle_row *sorted;

	if (n == 0)
		return ct_fail(err, CT_ERR_INVALID, "the oracle holds no cells", NULL);
	if (!ct_oracle_check_rows(ct_space_of(&cells[0]), n, err))
		return false;
	for (size_t r = 1; r < n; r++)
		if (cells[r].space != cells[0].space)
			return ct_fail(err, CT_ERR_INVALID, "the oracle mixes search spaces",
						   "Row 1 is of %s, row %zu of %s: a search runs in one space.",
						   ct_space_of(&cells[0])->name, r + 1, ct_space_of(&cells[r])->name);
	for (size_t r = 0; acc != NULL && r < n; r++)
		if (!isfinite(acc[r]))
			return ct_fail(err, CT_ERR_INVALID, "the oracle has an accuracy that is not a finite number",
						   "Row %zu (counting from 1) has %g.", r + 1, acc[r]);
	o->space = ct_space_of(&cells[0]);
	o->n = n;
	o->cells = ct_malloc(sizeof(ct_arch) * n);
	o->acc = ct_malloc(sizeof(double) * n);
	sorted = ct_malloc(sizeof(oracle_row) * n);
	for (size_t r = 0; r < n; r++)
		sorted[r] = (oracle_row) {cells[r], acc != NULL ? acc[r] : NAN, r};
	qsort(sorted, n, sizeof(oracle_row), cmp_oracle_rows);
	for (size_t r = 0; r < n; r++)
	{
		o->cells[r] = sorted[r].cell;
		o->acc[r] = sorted[r].acc;
	}
	hash_alloc(o, n);
	for (size_t r = 0; r < n; r++)
	{
		/* equal cells are neighbours after sorting */
		if (r > 0 && ct_arch_eq(&o->cells[r - 1], &o->cells[r]))
		{
			size_t		first = sorted[r - 1].input_row + 1,
						second = sorted[r].input_row + 1;

			ct_free(sorted);
			ct_oracle_free(o);
			return ct_fail(err, CT_ERR_INVALID, "the oracle holds a cell twice",
						   "Rows %zu and %zu (counting from 1) are the same cell.", first, second);
		}
		hash_insert(o, r);
	}
	ct_free(sorted);
	return true;
}

bool
ct_oracle_build(ct_oracle *o, const ct_arch *cells, const double *acc, size_t n, ct_error *err)
{
	memset(o, 0, sizeof(*o));
	return oracle_fill(o, cells, acc, n, err);
}

bool
ct_oracle_build_external(ct_oracle *o, const ct_arch *cells, size_t n, ct_error *err)
{
	memset(o, 0, sizeof(*o));
	if (!oracle_fill(o, cells, NULL, n, err))
		return false;
	o->external = true;
	o->failed = ct_calloc(n, 1);
	return true;
}

/* Whether a space's candidates are all of it (else a pool drawn by its sampler). */
static bool
space_listed(const ct_space *space, int64_t pool)
{
	return pool == 0 && space->nth != NULL && space->size > 0;
}

int64_t
ct_oracle_space_rows(const ct_space *space, int64_t pool)
{
	int64_t		want = pool > 0 ? pool : CT_POOL_DEFAULT;

	if (space_listed(space, pool))
		return space->size;
	return space->size > 0 && want > space->size ? space->size : want;
}

bool
ct_oracle_build_space(ct_oracle *o, const ct_space *space, int64_t pool, uint64_t seed,
					  ct_interrupt_fn interrupt, void *arg, ct_error *err)
{
	ct_arch    *cells;
	size_t		n = 0;
	int64_t		want;
	bool		ok;

	memset(o, 0, sizeof(*o));
	if (space == NULL)
		return ct_fail(err, CT_ERR_INVALID, "no search space to take the candidates from", NULL);
	want = ct_oracle_space_rows(space, pool);
	cells = ct_malloc(sizeof(ct_arch) * (size_t) want);
	if (space_listed(space, pool))
	{
		for (int64_t i = 0; i < want; i++)
			space->nth(i, &cells[n++]);
	}
	else
	{
		/* a pool drawn by the space's own sampler: distinct cells, in the order drawn (the build sorts them) */
		ct_rng		rng;
		ct_oracle	seen = {.cells = cells};

		ct_rng_seed(&rng, seed ^ 0x504F4F4CULL);	/* "POOL" */
		hash_alloc(&seen, (size_t) want);
		/* a space smaller than it claims ends the draws: at most 50 per cell wanted */
		for (int64_t draws = 0; (int64_t) n < want && draws < 50 * want; draws++)
		{
			if (interrupt != NULL && draws % 4096 == 0)
				interrupt(arg);
			space->random(ct_rng_next(&rng), &cells[n]);
			if (ct_oracle_find(&seen, &cells[n]) < 0)
				hash_insert(&seen, n++);
		}
		ct_free(seen.hash);
	}
	ok = ct_oracle_build_external(o, cells, n, err);
	ct_free(cells);
	return ok;
}

void
ct_oracle_set_acc(ct_oracle *o, int64_t row, double acc)
{
	o->acc[row] = acc;
}

void
ct_oracle_set_failed(ct_oracle *o, int64_t row)
{
	if (o->failed != NULL)
		o->failed[row] = 1;
}

void
ct_oracle_free(ct_oracle *o)
{
	ct_free(o->cells);
	ct_free(o->acc);
	ct_free(o->failed);
	ct_free(o->hash);
	memset(o, 0, sizeof(*o));
}

int64_t
ct_oracle_find(const ct_oracle *o, const ct_arch *a)
{
	for (size_t i = ct_arch_hash64(a) & (o->hash_size - 1); o->hash[i] != 0; i = (i + 1) & (o->hash_size - 1))
		if (ct_arch_eq(&o->cells[o->hash[i] - 1], a))
			return o->hash[i] - 1;
	return -1;
}

void
ct_budget_init(ct_budget *b, const ct_oracle *o, int budget)
{
	/* at most every oracle cell once, however large the budget */
	size_t		cap = (size_t) budget < o->n ? (size_t) (budget > 0 ? budget : 1) : o->n;

	memset(b, 0, sizeof(*b));
	b->oracle = o;
	b->budget = budget;
	b->log = ct_malloc(sizeof(int64_t) * cap);
	b->pending = ct_malloc(sizeof(int64_t) * cap);
	b->seen = ct_calloc(o->n, 1);
}

void
ct_budget_free(ct_budget *b)
{
	ct_free(b->log);
	ct_free(b->pending);
	ct_free(b->failed);
	ct_free(b->seen);
	b->log = NULL;
	b->pending = NULL;
	b->failed = NULL;
	b->seen = NULL;
}

bool
ct_budget_query(ct_budget *b, int64_t r, double *acc)
{
	if (b->seen[r] == CT_ROW_NEW)
	{
		if (b->used >= b->budget || !isfinite(b->oracle->acc[r]))
			return false;
		b->seen[r] = CT_ROW_READ;
		b->log[b->used++] = r;
	}
	else if (b->seen[r] != CT_ROW_READ)
		return false;
	*acc = b->oracle->acc[r];
	return true;
}

int64_t
ct_budget_effective(const ct_budget *b)
{
	return (size_t) b->budget < b->oracle->n ? (int64_t) b->budget : (int64_t) b->oracle->n;
}

/* What can be read at most: the budget, or the rows that did not fail. */
static int64_t
readable(const ct_budget *b)
{
	int64_t		left = (int64_t) b->oracle->n - b->nfailed;

	if (b->max_failed > 0 && b->nfailed >= b->max_failed)
		return b->used;
	return (int64_t) b->budget < left ? (int64_t) b->budget : left;
}

bool
ct_budget_exhausted(const ct_budget *b)
{
	return (int64_t) b->used >= readable(b);
}

int64_t
ct_budget_room(const ct_budget *b)
{
	return readable(b) - b->used - b->npending;
}

bool
ct_budget_can_propose(const ct_budget *b)
{
	return ct_budget_room(b) > 0 && (b->batch <= 0 || b->npending < b->batch);
}

bool
ct_budget_propose(ct_budget *b, int64_t r)
{
	if (b->seen[r] != CT_ROW_NEW || ct_budget_room(b) <= 0)
		return false;
	b->seen[r] = CT_ROW_PENDING;
	b->pending[b->npending++] = r;
	return true;
}

static void
add_failed(ct_budget *b, int64_t r)
{
	if (b->nfailed == b->failed_cap)
	{
		int64_t    *grown = ct_malloc(sizeof(int64_t) * (size_t) (b->failed_cap > 0 ? 2 * b->failed_cap : 64));

		if (b->nfailed > 0)
			memcpy(grown, b->failed, sizeof(int64_t) * (size_t) b->nfailed);
		ct_free(b->failed);
		b->failed = grown;
		b->failed_cap = b->failed_cap > 0 ? 2 * b->failed_cap : 64;
	}
	b->seen[r] = CT_ROW_FAILED;
	b->failed[b->nfailed++] = r;
}

bool
ct_budget_resolve(ct_budget *b)
{
	const ct_oracle *o = b->oracle;

	b->waiting = false;
	/* all or nothing: the search goes on from the same state whenever the results come */
	for (int i = 0; i < b->npending; i++)
	{
		int64_t		r = b->pending[i];

		if (!isfinite(o->acc[r]) && !(o->failed != NULL && o->failed[r]))
		{
			b->waiting = true;
			return false;
		}
	}
	for (int i = 0; i < b->npending; i++)
	{
		int64_t		r = b->pending[i];

		if (isfinite(o->acc[r]))
		{
			b->seen[r] = CT_ROW_READ;
			b->log[b->used++] = r;
		}
		else
			add_failed(b, r);
	}
	b->npending = 0;
	return true;
}

bool
ct_budget_restore_pending(ct_budget *b, int64_t r)
{
	return ct_budget_propose(b, r);
}

bool
ct_budget_restore_failed(ct_budget *b, int64_t r)
{
	if (b->seen[r] != CT_ROW_NEW)
		return false;
	add_failed(b, r);
	return true;
}

int64_t
ct_budget_best(const ct_budget *b)
{
	int64_t		best = -1;

	for (int i = 0; i < b->used; i++)
		if (best < 0 || b->oracle->acc[b->log[i]] > b->oracle->acc[best])
			best = b->log[i];
	return best;
}

bool
ct_proposals_check(int proposals, int space_id, const ct_oracle *o, ct_error *err)
{
	if (proposals == CT_PROPOSE_SPACE && o->space != NULL && space_id != 0 && space_id != o->space->id)
		return ct_fail(err, CT_ERR_INVALID, "the search space is not the oracle's",
					   "The option \"space\" is \"%s\", but the oracle holds %s architectures.",
					   ct_space_by_id(space_id) ? ct_space_by_id(space_id)->name : "?", o->space->name);
	return true;
}
