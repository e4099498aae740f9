/*
 * nb101_hash.c
 *	  NAS-Bench-101's module hash (nasbench graph_util.hash_module).
 *
 * A Weisfeiler-Lehman style iteration over MD5 hex strings: isomorphic cells
 * with equal ops hash alike, and the 423,624 cells of NAS-Bench-101 all hash
 * differently.  Every string is built exactly as the Python original prints it.
 */
#include "ctnas_graph.h"
#include "ctnas_md5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef char hex32[33];

static int
hash_label(int op)
{
	switch (op)
	{
		case CT_OP_INPUT:
			return -1;
		case CT_OP_OUTPUT:
			return -2;
		default:
			return op;			/* conv3x3 0, conv1x1 1, maxpool3x3 2 */
	}
}

static int
cmp_hex(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Appends the sorted hashes of the nodes selected in sel to buf. */
static size_t
append_sorted(char *buf, size_t len, hex32 *hashes, const bool *sel, int n)
{
	hex32		picked[CT_NB101_MAX_NODES];
	int			k = 0;

	for (int w = 0; w < n; w++)
		if (sel[w])
			memcpy(picked[k++], hashes[w], sizeof(hex32));
	qsort(picked, k, sizeof(hex32), cmp_hex);
	for (int i = 0; i < k; i++, len += 32)
		memcpy(buf + len, picked[i], 32);
	return len;
}

void
ct_graph_nb101_hash(const ct_graph *g, char out[33])
{
	int			n = g->n;
	hex32		hashes[CT_NB101_MAX_NODES];
	hex32		next[CT_NB101_MAX_NODES];
	/* 2*7 neighbour hashes + own + separators, or the final list text */
	char		buf[CT_NB101_MAX_NODES * 2 * 32 + 64 + CT_NB101_MAX_NODES * 36];
	size_t		len;

	if (n < 2 || n > CT_NB101_MAX_NODES)
		abort();				/* a ct_graph is always valid; this tells the compiler too */
	for (int v = 0; v < n; v++)
	{
		int			in = 0,
					outdeg = 0;

		for (int w = 0; w < n; w++)
		{
			in += ct_graph_has_edge(g, w, v);
			outdeg += ct_graph_has_edge(g, v, w);
		}
		len = snprintf(buf, sizeof(buf), "(%d, %d, %d)", outdeg, in, hash_label(g->ops[v]));
		ct_md5_hex(buf, len, hashes[v]);
	}

	for (int round = 0; round < n; round++)
	{
		for (int v = 0; v < n; v++)
		{
			bool		preds[CT_NB101_MAX_NODES],
						succs[CT_NB101_MAX_NODES];

			for (int w = 0; w < n; w++)
			{
				preds[w] = ct_graph_has_edge(g, w, v);
				succs[w] = ct_graph_has_edge(g, v, w);
			}
			len = append_sorted(buf, 0, hashes, preds, n);
			buf[len++] = '|';
			len = append_sorted(buf, len, hashes, succs, n);
			buf[len++] = '|';
			memcpy(buf + len, hashes[v], 32);
			len += 32;
			ct_md5_hex(buf, len, next[v]);
		}
		memcpy(hashes, next, sizeof(hex32) * n);
	}

	/* md5 of Python's str(sorted(hashes)): ['h1', 'h2', ...] */
	qsort(hashes, n, sizeof(hex32), cmp_hex);
	len = 0;
	buf[len++] = '[';
	for (int v = 0; v < n; v++)
	{
		if (v > 0)
		{
			buf[len++] = ',';
			buf[len++] = ' ';
		}
		buf[len++] = '\'';
		memcpy(buf + len, hashes[v], 32);
		len += 32;
		buf[len++] = '\'';
	}
	buf[len++] = ']';
	ct_md5_hex(buf, len, out);
}
