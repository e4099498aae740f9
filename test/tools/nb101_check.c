/*
 * nb101_check.c
 *	  Checks the core against every row of the NAS-Bench-101 CSV on stdin
 *	  (hash,num_vertices,adjacency,ops,...): the stored cell is already
 *	  canonical, a random renumbering of it canonicalises back to it, the
 *	  module hash equals the hash column, and every neighbour of it (local
 *	  search's: ct_graph_neighbours) is a row of the table.
 *
 *	  gzip -dc ../shared/data/nb101/nb101_all_run0test.csv.gz | test/tools/nb101_check
 */
#include "ctnas_graph.h"
#include "ctnas_rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
parse_row(char *line, char hash[33], ct_raw_graph *raw)
{
	char	   *field[4];
	char	   *p = line;

	for (int i = 0; i < 4; i++)
	{
		field[i] = p;
		p = strchr(p, ',');
		if (p == NULL)
			return false;
		*p++ = '\0';
	}
	if (strlen(field[0]) != 32)
		return false;
	memcpy(hash, field[0], 33);
	memset(raw, 0, sizeof(*raw));
	raw->n = atoi(field[1]);
	if (raw->n < 2 || raw->n > CT_NB101_MAX_NODES || (int) strlen(field[2]) != raw->n * raw->n)
		return false;
	for (int i = 0; i < raw->n * raw->n; i++)
		raw->adj[i / raw->n][i % raw->n] = field[2][i] == '1';
	p = field[3];
	for (int v = 0; v < raw->n; v++)
	{
		size_t		len = strcspn(p, ";");
		int			op = ct_op_from_name(p, len);

		if (op < 0)
			return false;
		raw->ops[v] = (uint8_t) op;
		p += len + (p[len] == ';');
	}
	return true;
}

/*
 * Renumbers the interior nodes in a random topological order: a different
 * but equally valid encoding of the same cell.
 */
static void
renumber_randomly(const ct_raw_graph *in, ct_raw_graph *out, ct_rng *rng)
{
	int			n = in->n;
	int			newpos[CT_RAW_MAX_NODES];
	bool		placed[CT_RAW_MAX_NODES] = {false};

	newpos[0] = 0;
	newpos[n - 1] = n - 1;
	placed[0] = true;
	for (int pos = 1; pos < n - 1; pos++)
	{
		int			ready[CT_RAW_MAX_NODES];
		int			nready = 0;
		int			pick;

		for (int v = 1; v < n - 1; v++)
		{
			bool		ok = !placed[v];

			for (int u = 0; u < v && ok; u++)
				ok = !in->adj[u][v] || placed[u];
			if (ok)
				ready[nready++] = v;
		}
		pick = ready[ct_rng_below(rng, (uint32_t) nready)];
		placed[pick] = true;
		newpos[pick] = pos;
	}
	memset(out, 0, sizeof(*out));
	out->n = n;
	for (int v = 0; v < n; v++)
		out->ops[newpos[v]] = in->ops[v];
	for (int x = 0; x < n; x++)
		for (int y = 0; y < n; y++)
			if (in->adj[x][y])
				out->adj[newpos[x]][newpos[y]] = 1;
}

static int
cmp_graphs(const void *a, const void *b)
{
	return ct_graph_cmp(a, b);
}

/* Every neighbour of every cell is a cell of the table (which holds every valid cell). */
static long
check_neighbours(ct_graph *cells, long n)
{
	long		bad = 0,
				total = 0;

	qsort(cells, n, sizeof(ct_graph), cmp_graphs);
	for (long i = 0; i < n; i++)
	{
		ct_graph	nb[CT_NB101_NEIGHBOURS_MAX];
		int			k = ct_graph_neighbours(&cells[i], nb, CT_NB101_NEIGHBOURS_MAX);

		total += k;
		for (int j = 0; j < k; j++)
			if (bsearch(&nb[j], cells, n, sizeof(ct_graph), cmp_graphs) == NULL)
			{
				if (bad++ < 10)
					fprintf(stderr, "cell %ld: a neighbour is not in the table\n", i);
			}
	}
	printf("neighbours %ld (%.2f per cell), not in the table %ld\n", total, n > 0 ? (double) total / n : 0.0, bad);
	return bad;
}

int
main(void)
{
	char		line[1024];
	long		rows = 0,
				bad = 0,
				renumbered = 0;
	ct_rng		rng;
	long		cap = 1 << 19;
	long		ncells = 0;
	ct_graph   *cells = malloc(sizeof(ct_graph) * cap);

	ct_rng_seed(&rng, 101);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 2;				/* header */
	while (fgets(line, sizeof(line), stdin) != NULL)
	{
		char		want[33],
					got[33];
		ct_raw_graph raw,
					shuffled;
		ct_graph	g,
					g2;
		ct_raw_graph back;

		rows++;
		if (!parse_row(line, want, &raw) || !ct_graph_from_raw(&raw, &g, NULL))
		{
			fprintf(stderr, "row %ld: cannot parse or build\n", rows);
			bad++;
			continue;
		}
		ct_graph_to_raw(&g, &back);
		if (memcmp(&back, &raw, sizeof(raw)) != 0)
		{
			fprintf(stderr, "row %ld (%s): not canonical as stored\n", rows, want);
			bad++;
		}
		ct_graph_nb101_hash(&g, got);
		if (strcmp(got, want) != 0)
		{
			fprintf(stderr, "row %ld: hash %s, expected %s\n", rows, got, want);
			bad++;
		}
		if (ncells < cap)
			cells[ncells++] = g;
		renumber_randomly(&raw, &shuffled, &rng);
		renumbered += memcmp(&shuffled, &raw, sizeof(raw)) != 0;
		if (!ct_graph_from_raw(&shuffled, &g2, NULL) || ct_graph_cmp(&g, &g2) != 0)
		{
			fprintf(stderr, "row %ld: renumbered cell canonicalises differently\n", rows);
			bad++;
		}
	}
	printf("rows %ld (of them %ld renumbered to a different encoding and canonicalised back), mismatches %ld\n", rows, renumbered, bad);
	bad += check_neighbours(cells, ncells);
	free(cells);
	return bad == 0 && rows > 0 ? 0 : 1;
}
