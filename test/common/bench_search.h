/*
 * bench_search.h
 *	  One search by method name through the core harness, for the bench
 *	  tools (nb201_bench, space_bench).
 */
#ifndef CTNAS_BENCH_SEARCH_H
#define CTNAS_BENCH_SEARCH_H

#include "ctnas_search.h"

/* CTNAS search options from json with the seed argument winning (over the NAC's seed too, when derived). */
extern bool bench_ctnas_options(const char *json, uint64_t seed, ct_ctnas_options *opt, ct_error *err);

/*
 * Runs method (random, evolution, local or ctnas) on b with the options
 * json; the seed argument wins over the options' (and, for ctnas, over the
 * NAC's seed when the options left it derived).  *final gets the final row
 * (-1: none, or an architecture the oracle lacks).  Returns 1, 0 with err
 * set, or -1 for an unknown method.
 */
extern int	bench_search(ct_budget *b, const char *method, uint64_t seed, const char *json, int64_t *final,
						 ct_error *err);

#endif
