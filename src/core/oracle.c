/*
 * oracle.c
 *	  The oracle of a search (cells with known accuracies) and its query budget.
 */
#include "ctnas_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"

typedef struct oracle_row
{
	ct_graph	cell;
	double		acc;
	size_t		input_row;
} oracle_row;

static int
cmp_oracle_rows(const void *a, const void *b)
{
	const oracle_row *x = a;
	const oracle_row *y = b;
	int			c = ct_graph_cmp(&x->cell, &y->cell);

	return c != 0 ? c : (x->input_row > y->input_row) - (x->input_row < y->input_row);
}

bool
ct_oracle_check_rows(size_t n, ct_error *err)
{
	/* the same SQLSTATE as "holds a cell twice", which such an oracle always does */
	if (n > CT_NB101_CELLS)
		return ct_fail(err, CT_ERR_INVALID, "the oracle has more rows than NAS-Bench-101 has cells",
					   "NAS-Bench-101 has 423,624 distinct cells, so an oracle of more rows holds a cell twice; reading stopped at row %zu.",
					   n);
	return true;
}

bool
ct_oracle_build(ct_oracle *o, const ct_graph *cells, const double *acc, size_t n, ct_error *err)
{
	oracle_row *sorted;

	memset(o, 0, sizeof(*o));
	if (!ct_oracle_check_rows(n, err))
		return false;
	if (n == 0)
		return ct_fail(err, CT_ERR_INVALID, "the oracle holds no cells", NULL);
	for (size_t r = 0; r < n; r++)
		if (!isfinite(acc[r]))
			return ct_fail(err, CT_ERR_INVALID, "the oracle has an accuracy that is not a finite number",
						   "Row %zu (counting from 1) has %g.", r + 1, acc[r]);
	o->n = n;
	o->cells = ct_malloc(sizeof(ct_graph) * n);
	o->acc = ct_malloc(sizeof(double) * n);
	/* in cell order: a search depends on the oracle's rows, never on the order they came in */
	sorted = ct_malloc(sizeof(oracle_row) * n);
	for (size_t r = 0; r < n; r++)
		sorted[r] = (oracle_row) {cells[r], acc[r], r};
	qsort(sorted, n, sizeof(oracle_row), cmp_oracle_rows);
	for (size_t r = 0; r < n; r++)
	{
		o->cells[r] = sorted[r].cell;
		o->acc[r] = sorted[r].acc;
	}
	for (o->hash_size = 16; o->hash_size < 2 * n; o->hash_size *= 2)
		;
	o->hash = ct_calloc(o->hash_size, sizeof(int64_t));
	for (size_t r = 0; r < n; r++)
	{
		size_t		i;

		/* equal cells are neighbours after sorting */
		if (r > 0 && ct_graph_cmp(&o->cells[r - 1], &o->cells[r]) == 0)
		{
			size_t		first = sorted[r - 1].input_row + 1,
						second = sorted[r].input_row + 1;

			ct_free(sorted);
			ct_oracle_free(o);
			return ct_fail(err, CT_ERR_INVALID, "the oracle holds a cell twice",
						   "Rows %zu and %zu (counting from 1) are the same cell.", first, second);
		}
		for (i = ct_graph_hash64(&o->cells[r]) & (o->hash_size - 1); o->hash[i] != 0; i = (i + 1) & (o->hash_size - 1))
			;
		o->hash[i] = (int64_t) r + 1;
	}
	ct_free(sorted);
	return true;
}

void
ct_oracle_free(ct_oracle *o)
{
	ct_free(o->cells);
	ct_free(o->acc);
	ct_free(o->hash);
	memset(o, 0, sizeof(*o));
}

int64_t
ct_oracle_find(const ct_oracle *o, const ct_graph *g)
{
	for (size_t i = ct_graph_hash64(g) & (o->hash_size - 1); o->hash[i] != 0; i = (i + 1) & (o->hash_size - 1))
		if (ct_graph_cmp(&o->cells[o->hash[i] - 1], g) == 0)
			return o->hash[i] - 1;
	return -1;
}

void
ct_budget_init(ct_budget *b, const ct_oracle *o, int budget)
{
	b->oracle = o;
	b->budget = budget;
	b->used = 0;
	/* at most every oracle cell once, however large the budget */
	b->log = ct_malloc(sizeof(int64_t) * ((size_t) budget < o->n ? (size_t) (budget > 0 ? budget : 1) : o->n));
	b->seen = ct_calloc(o->n, 1);
}

void
ct_budget_free(ct_budget *b)
{
	ct_free(b->log);
	ct_free(b->seen);
	b->log = NULL;
	b->seen = NULL;
}

bool
ct_budget_query(ct_budget *b, int64_t r, double *acc)
{
	if (!b->seen[r])
	{
		if (b->used >= b->budget)
			return false;
		b->seen[r] = 1;
		b->log[b->used++] = r;
	}
	*acc = b->oracle->acc[r];
	return true;
}

int64_t
ct_budget_effective(const ct_budget *b)
{
	return (size_t) b->budget < b->oracle->n ? (int64_t) b->budget : (int64_t) b->oracle->n;
}

bool
ct_budget_exhausted(const ct_budget *b)
{
	return (int64_t) b->used >= ct_budget_effective(b);
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
