/*
 * ctnas_stats.h
 *	  Rank statistics: Kendall's tau-b (Knight's O(n log n) algorithm) and
 *	  PyTorch's randperm, so that CTNAS's data splits can be reproduced.
 */
#ifndef CTNAS_STATS_H
#define CTNAS_STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Kendall's tau-b of n pairs (x[i], y[i]), ties corrected as scipy.stats.kendalltau
 * does; x and y are left as they are.  NaN when n < 2 or when either side is constant;
 * NaN too when any value is NaN.
 */
extern double ct_kendall_tau_b(const double *x, const double *y, size_t n);

/* The same by counting all pairs: O(n^2), for tests. */
extern double ct_kendall_tau_b_naive(const double *x, const double *y, size_t n);

/*
 * torch.randperm(n, generator=torch.Generator().manual_seed(seed)) on the CPU
 * (PyTorch 1.x): MT19937, then for i in 0..n-2 swap(r[i], r[i + u32 % (n - i)]).
 */
extern void ct_torch_randperm(uint32_t n, uint64_t seed, uint32_t *out);

#endif
