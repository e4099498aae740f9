/*
 * kendall.c
 *	  Kendall's tau-b in O(n log n) (Knight 1966): sort by (x, y), count the
 *	  ties, then count the swaps a merge sort by y needs, which are the
 *	  discordant pairs.
 */
#include "ctnas_stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"

typedef struct xy
{
	double		x;
	double		y;
} xy;

static int
cmp_xy(const void *a, const void *b)
{
	const xy   *p = a;
	const xy   *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return 0;
}

/* Sorts y[lo..hi) ascending, returning the number of inversions it removed. */
static int64_t
merge_count(double *y, double *tmp, size_t lo, size_t hi)
{
	size_t		mid,
				i,
				j,
				k;
	int64_t		swaps;

	if (hi - lo < 2)
		return 0;
	mid = lo + (hi - lo) / 2;
	swaps = merge_count(y, tmp, lo, mid) + merge_count(y, tmp, mid, hi);
	for (i = lo, j = mid, k = lo; i < mid || j < hi; k++)
	{
		/* strictly smaller from the right half: it jumps over what is left on the left */
		if (j < hi && (i >= mid || y[j] < y[i]))
		{
			swaps += (int64_t) (mid - i);
			tmp[k] = y[j++];
		}
		else
			tmp[k] = y[i++];
	}
	memcpy(y + lo, tmp + lo, sizeof(double) * (hi - lo));
	return swaps;
}

/* Sum over runs of equal consecutive values of len * (len - 1) / 2. */
static int64_t
tied_pairs(const double *v, size_t n)
{
	int64_t		total = 0;
	size_t		run = 1;

	for (size_t i = 1; i <= n; i++)
	{
		if (i < n && v[i] == v[i - 1])
			run++;
		else
		{
			total += (int64_t) run * (int64_t) (run - 1) / 2;
			run = 1;
		}
	}
	return total;
}

double
ct_kendall_tau_b(double *x, double *y, size_t n)
{
	xy		   *p;
	double	   *ys,
			   *tmp;
	int64_t		n0,
				ties_x = 0,
				ties_xy = 0,
				ties_y,
				swaps;
	size_t		run_x = 1,
				run_xy = 1;
	double		denom;

	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (isnan(x[i]) || isnan(y[i]))
			return NAN;

	p = ct_malloc(sizeof(xy) * n);
	for (size_t i = 0; i < n; i++)
		p[i] = (xy) {x[i], y[i]};
	qsort(p, n, sizeof(xy), cmp_xy);

	/* ties in x, and in x and y together, from the sorted order */
	for (size_t i = 1; i <= n; i++)
	{
		bool		same_x = i < n && p[i].x == p[i - 1].x;
		bool		same_xy = same_x && p[i].y == p[i - 1].y;

		if (same_x)
			run_x++;
		else
		{
			ties_x += (int64_t) run_x * (int64_t) (run_x - 1) / 2;
			run_x = 1;
		}
		if (same_xy)
			run_xy++;
		else
		{
			ties_xy += (int64_t) run_xy * (int64_t) (run_xy - 1) / 2;
			run_xy = 1;
		}
	}

	ys = ct_malloc(sizeof(double) * n);
	tmp = ct_malloc(sizeof(double) * n);
	for (size_t i = 0; i < n; i++)
		ys[i] = p[i].y;
	swaps = merge_count(ys, tmp, 0, n);
	ties_y = tied_pairs(ys, n);
	ct_free(tmp);
	ct_free(ys);
	ct_free(p);

	n0 = (int64_t) n * (int64_t) (n - 1) / 2;
	denom = sqrt((double) (n0 - ties_x) * (double) (n0 - ties_y));
	if (denom == 0.0)
		return NAN;
	/* concordant - discordant = n0 - ties_x - ties_y + ties_xy - 2 swaps */
	return (double) (n0 - ties_x - ties_y + ties_xy - 2 * swaps) / denom;
}

double
ct_kendall_tau_b_naive(const double *x, const double *y, size_t n)
{
	int64_t		concordant_minus_discordant = 0,
				untied_x = 0,
				untied_y = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
		{
			int			sx = (x[i] > x[j]) - (x[i] < x[j]);
			int			sy = (y[i] > y[j]) - (y[i] < y[j]);

			concordant_minus_discordant += sx * sy;
			untied_x += sx != 0;
			untied_y += sy != 0;
		}
	if (n < 2 || untied_x == 0 || untied_y == 0)
		return NAN;
	return (double) concordant_minus_discordant / sqrt((double) untied_x * (double) untied_y);
}
