/*
 * interrupt_gap.c
 *	  How long the core works between two calls of its interrupt callback,
 *	  in the worst cases of the documented options (a cancel waits for the
 *	  next call).  Each scenario runs on the shipped sample, with a callback
 *	  that records the longest gap and stops the run (longjmp, as the
 *	  backend's CHECK_FOR_INTERRUPTS would) after LIMIT seconds.
 *
 *	  interrupt_gap SCENARIO [LIMIT]
 *	    derive      recipe "paper", derive_samples 1000 (the first derive)
 *	    pseudo      recipe "paper", pseudo_first 30000 (the first pseudo-labelled pairs)
 *	    wide        nac_train, width 1024, 16 layers, one batch of 1000 cells (recipe "default")
 *	    rank        recipe "default", one NAC of width 1024 x 16 layers ranking the oracle
 *
 *	  Prints the longest gap and the number of calls.  Not a test: the
 *	  figures depend on the machine (README, "Cancels and memory").
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctnas_search.h"
#include "sample_csv.h"

static sample_row rows[5100];
static ct_arch cells[5100];
static double acc[5100];

static double t_start,
			t_last,
			max_gap,
			limit;
static long calls,
			gap_at;
static jmp_buf stop;

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void
on_interrupt(void *arg)
{
	double		t = now();

	if (t - t_last > max_gap)
	{
		max_gap = t - t_last;
		gap_at = calls;
	}
	t_last = t;
	calls++;
	if (t - t_start > limit)
		longjmp(stop, 1);
}

int
main(int argc, char **argv)
{
	const char *scenario = argc > 1 ? argv[1] : "";
	int			n = sample_csv_read("data/nb101_sample.csv", rows, 5100);
	ct_oracle	o;
	ct_budget	b;
	ct_error	err;
	ct_ctnas_options opt;
	const char *json = NULL;
	volatile bool stopped = false;

	limit = argc > 2 ? atof(argv[2]) : 30;
	if (n != 5100)
		return fprintf(stderr, "run from the top of the checkout (data/nb101_sample.csv)\n"), 2;
	for (int i = 0; i < n; i++)
	{
		cells[i] = rows[i].cell;
		acc[i] = rows[i].test_acc_run0;
	}
	if (!ct_oracle_build(&o, cells, acc, (size_t) n, &err))
		return 2;
	ct_budget_init(&b, &o, strcmp(scenario, "rank") == 0 ? 200 : 100);
	if (strcmp(scenario, "derive") == 0)
		json = "{\"recipe\": \"paper\", \"iterations\": 1, \"pseudo_every\": 0, \"derive_samples\": 1000, \"nac\": {\"epochs\": 1}}";
	else if (strcmp(scenario, "pseudo") == 0)
		json = "{\"recipe\": \"paper\", \"iterations\": 1, \"pseudo_first\": 30000, \"nac\": {\"epochs\": 1}}";
	else if (strcmp(scenario, "rank") == 0)
		json = "{\"first\": 100, \"rounds\": 1, \"nac\": {\"epochs\": 1, \"width\": 1024, \"layers\": 16}}";
	else if (strcmp(scenario, "wide") != 0)
		return fprintf(stderr, "usage: interrupt_gap derive|pseudo|wide|rank [LIMIT-SECONDS]\n"), 2;

	t_start = t_last = now();
	if (setjmp(stop) == 0)
	{
		if (json == NULL)
		{
			ct_nac_options nopt = ct_nac_recipe_options(CT_NAC_RECIPE_DEFAULT);
			ct_nac		model;
			ct_nac_stats stats;

			nopt.width = 1024;
			nopt.layers = 16;
			nopt.batch_size = 1000;
			nopt.epochs = 1;
			if (!ct_nac_train(cells, acc, 1000, &nopt, &model, &stats, on_interrupt, NULL, &err))
				return fprintf(stderr, "%s\n", err.message), 1;
		}
		else
		{
			ct_ctnas_search *s;

			if (!ct_ctnas_options_from_json(json, &opt, &err) || (s = ct_ctnas_create(&b, &opt, NULL, &err)) == NULL ||
				!ct_ctnas_run(s, on_interrupt, NULL, &err))
				return fprintf(stderr, "%s: %s\n", err.message, err.detail), 1;
		}
	}
	else
		stopped = true;
	on_interrupt(NULL);
	printf("%s: %.3f s%s, %ld interrupt calls, longest gap %.1f ms (before call %ld)\n", scenario,
		   t_last - t_start, stopped ? " (stopped at the limit)" : "", calls, max_gap * 1000, gap_at + 1);
	return 0;
}
