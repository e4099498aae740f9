/*
 * fuzz_archgraph.c
 *	  libFuzzer target for everything that turns untrusted bytes into a cell:
 *	  the JSON text form, the binary form (as archgraph_recv decodes it),
 *	  the nas_bench.json reader, the NAC model reader and training options.  Any input must give a valid canonical cell
 *	  or an error; never a crash, never a cell that changes when printed and
 *	  read back.
 *
 *	  make fuzz FUZZ_SECONDS=60
 */
#include <stdlib.h>
#include <string.h>

#include "ctnas_graph.h"
#include "ctnas_nac.h"
#include "ctnas_nb101.h"

/* A cell that was accepted must be canonical and survive its own text form. */
static void
check_accepted(const ct_graph *g)
{
	char		text[CT_GRAPH_JSON_MAX];
	char		hash[33];
	ct_graph	again;

	if (!ct_graph_is_canonical(g) || g->n > CT_NB101_MAX_NODES ||
		ct_graph_num_edges(g) > CT_NB101_MAX_EDGES)
		abort();
	if (ct_graph_to_json(g, text, sizeof(text)) >= sizeof(text))
		abort();
	if (!ct_graph_parse_json(text, &again, NULL) || ct_graph_cmp(g, &again) != 0)
		abort();
	ct_graph_nb101_hash(g, hash);
	if (strlen(hash) != 32)
		abort();
}

/* The binary layout of archgraph_recv after the version and space bytes. */
static void
fuzz_binary(const uint8_t *data, size_t size)
{
	ct_raw_graph raw;
	ct_graph	g;
	size_t		need;

	if (size < 1)
		return;
	memset(&raw, 0, sizeof(raw));
	raw.n = data[0];
	if (raw.n > CT_RAW_MAX_NODES)
		return;					/* refused before decoding, as in archgraph_recv */
	need = 1 + (size_t) raw.n * raw.n + raw.n;
	if (size < need)
		return;
	for (int i = 0; i < raw.n * raw.n; i++)
		raw.adj[i / raw.n][i % raw.n] = data[1 + i];
	for (int v = 0; v < raw.n; v++)
		raw.ops[v] = data[1 + raw.n * raw.n + v];
	if (ct_graph_from_raw(&raw, &g, NULL))
		check_accepted(&g);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	ct_graph	g;
	ct_error	err;
	ct_nb101_json_reader reader;
	ct_nb101_record rec;

	memcpy(text, data, size);
	text[size] = '\0';

	if (ct_graph_parse_json(text, &g, &err))
		check_accepted(&g);
	else if (err.kind == CT_OK || err.message[0] == '\0')
		abort();

	ct_nb101_json_begin(&reader, text, size);
	for (int i = 0; i < 1000 && ct_nb101_json_next(&reader, &rec, &err) == 1; i++)
		check_accepted(&rec.graph);

	fuzz_binary(data, size);

	/* a model blob: accepted only whole and intact, so a fuzzer mostly meets the checks */
	{
		ct_nac		m;
		ct_nac_options opt;

		if (ct_nac_blob_read(data, size, &m, NULL, NULL, &err))
			ct_nac_free(&m);
		if (ct_nac_options_from_json(text, &opt, &err) &&
			(opt.epochs < 1 || opt.batch_size < 2 || !(opt.lr > 0) || opt.width < 1 || opt.layers < 1))
			abort();
	}
	free(text);
	return 0;
}
