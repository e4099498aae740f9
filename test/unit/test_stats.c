/*
 * test_stats.c
 *	  Kendall's tau-b against brute force and against scipy; torch's randperm
 *	  against values recorded from torch 1.13.
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>

#include "ctnas_alloc.h"
#include "ctnas_rng.h"
#include <stdbool.h>

#include "ctnas_stats.h"

static double
tau_of(const double *x, const double *y, size_t n)
{
	double	   *xc = ct_malloc(sizeof(double) * (n ? n : 1));
	double	   *yc = ct_malloc(sizeof(double) * (n ? n : 1));
	double		t;

	memcpy(xc, x, sizeof(double) * n);
	memcpy(yc, y, sizeof(double) * n);
	t = ct_kendall_tau_b(xc, yc, n);
	ct_free(xc);
	ct_free(yc);
	return t;
}

static void
test_against_brute_force(void)
{
	ct_rng		rng;
	double		x[700],
				y[700];
	double		worst = 0;

	ct_rng_seed(&rng, 5);
	for (int trial = 0; trial < 60; trial++)
	{
		size_t		n = 2 + ct_rng_below(&rng, 699);
		/* few distinct values on purpose: many ties on both sides and jointly */
		uint32_t	kx = 1 + ct_rng_below(&rng, trial % 3 == 0 ? 4 : 50);
		uint32_t	ky = 1 + ct_rng_below(&rng, trial % 2 == 0 ? 5 : 80);

		for (size_t i = 0; i < n; i++)
		{
			x[i] = (double) ct_rng_below(&rng, kx);
			y[i] = trial % 4 == 1 ? x[i] + ct_rng_below(&rng, ky) : (double) ct_rng_below(&rng, ky);
		}
		{
			double		fast = tau_of(x, y, n);
			double		slow = ct_kendall_tau_b_naive(x, y, n);

			if (isnan(slow))
				CHECK(isnan(fast));
			else
				worst = fmax(worst, fabs(fast - slow));
		}
	}
	CHECK(worst < 1e-12);
}

/*
 * The sort works on the doubles' bits: signs, -0.0 = 0.0, infinities, values
 * that differ only in low or only in high bits, against brute force; and a
 * group large enough for every pass of the sort and many merge levels.
 */
static void
test_keys_and_large_groups(void)
{
	static double x[6000],
				y[6000];
	ct_rng		rng;
	const double special[] = {-0.0, 0.0, -INFINITY, INFINITY, 1e-310, -1e-310, 1.0, 1.0 + 2.220446049250313e-16,
	-1.0, -1.0 - 2.220446049250313e-16, 1e300, -1e300, 3.0, -3.0};
	size_t		ns = sizeof(special) / sizeof(special[0]);

	ct_rng_seed(&rng, 11);
	for (int trial = 0; trial < 20; trial++)
	{
		size_t		n = 50 + ct_rng_below(&rng, 400);

		for (size_t i = 0; i < n; i++)
		{
			x[i] = special[ct_rng_below(&rng, (uint32_t) ns)];
			y[i] = trial % 2 ? special[ct_rng_below(&rng, (uint32_t) ns)] : x[i] * (ct_rng_below(&rng, 3) ? 1 : -1);
		}
		CHECK(fabs(tau_of(x, y, n) - ct_kendall_tau_b_naive(x, y, n)) < 1e-12);
	}
	/* -0.0 and 0.0 are one value: a tie, as for the comparison operators */
	x[0] = -0.0, x[1] = 0.0, x[2] = 1.0;
	y[0] = 2.0, y[1] = 1.0, y[2] = 3.0;
	CHECK(fabs(tau_of(x, y, 3) - ct_kendall_tau_b_naive(x, y, 3)) < 1e-12);
	for (size_t i = 0; i < 6000; i++)
	{
		x[i] = (double) ct_rng_below(&rng, 1000) * (ct_rng_below(&rng, 2) ? 1e-3 : -7.5);
		y[i] = x[i] * 0.5 + (double) ct_rng_below(&rng, 300) - 150.0;
	}
	CHECK(fabs(tau_of(x, y, 6000) - ct_kendall_tau_b_naive(x, y, 6000)) < 1e-12);
	/* the input is left as it was (the SQL aggregate passes its state's arrays) */
	{
		double		x0 = x[0],
					y0 = y[0],
					x_last = x[5999],
					y_last = y[5999];

		(void) ct_kendall_tau_b(x, y, 6000);
		CHECK(x[0] == x0 && y[0] == y0 && x[5999] == x_last && y[5999] == y_last);
	}
}

static void
test_against_scipy(void)
{
	/* values printed by scipy 1.10.1 (Debian python3-scipy), kendalltau(x, y)[0] */
	static double x[5000],
				y[5000];
	double		d1x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	double		d1y[] = {3, 1, 2, 5, 4, 7, 6, 9, 8, 10};

	CHECK(fabs(tau_of(d1x, d1y, 10) - 0.7777777777777777) < 1e-12);
	for (int i = 0; i < 100; i++)
		x[i] = i % 7, y[i] = (i * 3) % 5;
	CHECK(fabs(tau_of(x, y, 100) - -0.013526412211098359) < 1e-12);
	for (int i = 0; i < 1000; i++)
		x[i] = (i * i) % 11, y[i] = (i * 7 + 3) % 13 - (i % 4);
	CHECK(fabs(tau_of(x, y, 1000) - 0.00022578233278903065) < 1e-12);
	for (int i = 0; i < 5000; i++)
		x[i] = (i * 37) % 101, y[i] = ((i * 37) % 101) / 3 + (i % 5);
	CHECK(fabs(tau_of(x, y, 5000) - 0.9202834531910521) < 1e-12);
	/* undefined cases */
	CHECK(isnan(tau_of(x, y, 1)));
	for (int i = 0; i < 10; i++)
		x[i] = 1, y[i] = i;
	CHECK(isnan(tau_of(x, y, 10)));
	x[3] = NAN;
	CHECK(isnan(tau_of(y, x, 10)));
	/* perfect agreement and reversal, with infinities as values */
	for (int i = 0; i < 10; i++)
		x[i] = i, y[i] = -i;
	x[0] = -INFINITY;
	CHECK(tau_of(x, y, 10) == -1.0);
	CHECK(tau_of(x, x, 10) == 1.0);
}

static void
test_randperm(void)
{
	uint32_t	small[10];
	uint32_t   *big = ct_malloc(sizeof(uint32_t) * 423624);
	uint32_t	want10[10] = {0, 7, 5, 4, 2, 6, 1, 8, 9, 3};
	uint32_t	want_big[8] = {210344, 52870, 17019, 289704, 72199, 14465, 34299, 104771};
	uint32_t	want1000[6] = {615, 284, 599, 580, 347, 92};
	uint32_t	mid[1000];
	char	   *seen = ct_calloc(423624, 1);
	bool		permutation = true;

	ct_torch_randperm(10, 2020, small);
	CHECK(memcmp(small, want10, sizeof(want10)) == 0);
	ct_torch_randperm(1000, 7, mid);
	CHECK(memcmp(mid, want1000, sizeof(want1000)) == 0);
	ct_torch_randperm(423624, 2020, big);
	CHECK(memcmp(big, want_big, sizeof(want_big)) == 0);
	for (uint32_t i = 0; i < 423624; i++)
	{
		permutation &= big[i] < 423624 && !seen[big[i]];
		if (big[i] < 423624)
			seen[big[i]] = 1;
	}
	CHECK(permutation);
	ct_free(seen);
	ct_free(big);
}

void
test_stats(void)
{
	test_against_brute_force();
	test_against_scipy();
	test_keys_and_large_groups();
	test_randperm();
}
