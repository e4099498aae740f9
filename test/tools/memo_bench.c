/*
 * memo_bench.c
 *	  Scoring every NAS-Bench-101 cell one at a time through the node-state
 *	  memo (nac_node_memo.c), as nac_score does, with no server: seconds,
 *	  product rows computed, layer L-1 lookups and hits, flushes, memory.
 *	  Reads the CSV of ../shared/data/nb101 on stdin:
 *	    gzip -dc ../shared/data/nb101/nb101_all_run0test.csv.gz | test/tools/memo_bench [budget MB, default 64]
 *	  Budget 0 keeps nothing between cells: every cell computed alone.
 *	  The models are the reference shape, freshly initialised (the memo's work
 *	  does not depend on the weights): the paper's readout, it in both
 *	  directions (0.1.0's recipe "default"), and 0.2.0's recipe "default"
 *	  ([nodes; sink] in both directions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctnas_nac.h"
#include "nb101_table.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	static ct_arch cells[NB101_CELLS];
	static double acc[NB101_CELLS];
	size_t		budget = (size_t) (argc > 1 ? atol(argv[1]) : 64) << 20;
	int			n = nb101_table_read(stdin, cells, acc, NB101_CELLS);

	if (n <= 0)
	{
		fprintf(stderr, "memo_bench: no cells on stdin\n");
		return 1;
	}
	static const int readouts[] = {CT_NAC_READOUT_MEAN_SLOTS, CT_NAC_READOUT_BOTH_DIRECTIONS,
	CT_NAC_READOUT_NODES_SINK_BOTH};
	static const char *const names[] = {"one direction", "both directions", "nodes+sink, both directions"};

	for (int r = 0; r < 3; r++)
	{
		ct_nac_shape s = ct_nac_reference_shape();
		ct_nac		m;
		ct_nac_batch *bt;
		ct_nac_memo_stats st;
		double		t,
					sum = 0;

		s.readout = readouts[r];
		ct_nac_alloc(&m, &s);
		ct_nac_init(&m, 1);
		bt = ct_nac_batch_create(&s);
		ct_nac_batch_memoize(bt, &m, budget);
		t = now();
		for (int i = 0; i < n; i++)
			sum += ct_nac_score(&m, bt, &cells[i]);
		t = now() - t;
		ct_nac_batch_memo_stats(bt, &st);
		printf("%s: %d cells in %.2f s (%.2f us per cell), budget %zu MB: %llu product rows, %llu of %llu layer L-1 "
			   "lookups found, %llu flushes, %.1f MB held (score sum %.6g)\n",
			   names[r], n, t, t * 1e6 / n, budget >> 20,
			   (unsigned long long) st.rows, (unsigned long long) st.hits, (unsigned long long) st.lookups,
			   (unsigned long long) st.flushes, st.bytes / 1048576.0, sum);
		ct_nac_batch_destroy(bt);
		ct_nac_free(&m);
	}
	return 0;
}
