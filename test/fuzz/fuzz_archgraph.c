/*
 * fuzz_archgraph.c
 *	  libFuzzer target for everything that turns untrusted bytes into a cell:
 *	  the text forms of every space (ct_arch_parse), the binary form (as archgraph_recv decodes it),
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
#include "ctnas_alloc.h"
#include "ctnas_search.h"
#include "ctnas_space.h"

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

/* An architecture of any space that was accepted: valid, and the same after its own text form. */
static void
check_arch(const ct_arch *a)
{
	const ct_space *sp = ct_space_of(a);
	char		text[CT_ARCH_TEXT_MAX];
	ct_arch		again;

	if (sp == NULL || !sp->valid(a))
		abort();
	if (ct_arch_to_text(a, text, sizeof(text)) >= sizeof(text))
		abort();
	if (!ct_arch_parse(text, &again, NULL) || !ct_arch_eq(a, &again))
		abort();
	if (a->space == CT_SPACE_NB101)
	{
		ct_graph	g;

		ct_nb101_graph(a, &g);
		check_accepted(&g);
	}
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

/* Every space's wire form (archgraph_recv) and stored form (unstore): valid and stable, or refused. */
static void
fuzz_space_bytes(const uint8_t *data, size_t size)
{
	const ct_space *sp;

	for (int i = 0; (sp = ct_space_nth(i)) != NULL; i++)
	{
		ct_arch		a;
		ct_error	err;

		if (sp->recv != NULL && sp->recv(data, size, &a, &err) > 0)
			check_arch(&a);
		/* unstore runs only the cheap checks (ctnas_space.h; NAS-Bench-101's); DARTS' and the OFA space's validate */
		if (sp->unstore != NULL && sp->unstore(data, size, &a))
		{
			if (sp->valid(&a))
				check_arch(&a);
			else if (sp->id == CT_SPACE_DARTS || sp->id == CT_SPACE_OFA)
				abort();
		}
	}
}

/* A small oracle for search checkpoints: 64 distinct random cells. */
static ct_oracle *
fuzz_oracle(void)
{
	static ct_oracle o;
	static bool built = false;

	if (!built)
	{
		ct_arch		cells[64];
		double		acc[64];
		int			n = 0;

		for (uint64_t seed = 1; n < 64; seed++)
		{
			bool		dup = false;

			ct_space_nb101.random(seed, &cells[n]);
			for (int i = 0; i < n && !dup; i++)
				dup = ct_arch_eq(&cells[i], &cells[n]);
			if (!dup)
			{
				acc[n] = 0.8 + 0.001 * n;
				n++;
			}
		}
		if (!ct_oracle_build(&o, cells, acc, 64, NULL))
			abort();
		built = true;
	}
	return &o;
}

/*
 * A search checkpoint: the input is what follows the header (magic, version,
 * the oracle's fingerprint, taken from a real checkpoint) and gets a valid
 * checksum, so the fuzzer reaches the parser behind the CRC.  A restored
 * search must also take a step without harm.
 */
static void
fuzz_checkpoint(const uint8_t *data, size_t size)
{
	static uint8_t header[16];
	static bool have_header = false;
	ct_oracle  *o = fuzz_oracle();
	ct_budget	b;
	ct_error	err;
	ct_ctnas_search *s;
	uint8_t    *buf;
	uint32_t	crc;

	if (!have_header)
	{
		ct_ctnas_options opt = ct_ctnas_recipe_options(CT_CTNAS_RECIPE_DEFAULT);
		size_t		len;
		uint8_t    *cp;

		ct_budget_init(&b, o, 10);
		s = ct_ctnas_create(&b, &opt, NULL, &err);
		cp = ct_ctnas_save(s, &len);
		memcpy(header, cp, 16);
		ct_free(cp);
		ct_ctnas_destroy(s);
		ct_budget_free(&b);
		have_header = true;
	}
	buf = malloc(16 + size + 4);
	memcpy(buf, header, 16);
	if (size > 0)
		memcpy(buf + 16, data, size);
	crc = ct_crc32(buf, 16 + size);
	for (int i = 0; i < 4; i++)
		buf[16 + size + i] = (uint8_t) (crc >> (8 * i));
	ct_budget_init(&b, o, 16);
	s = ct_ctnas_restore(&b, buf, 16 + size + 4, &err);
	if (s == NULL && b.used != 0)
		abort();				/* a failed restore leaves the budget fresh */
	if (s != NULL)
	{
		ct_ctnas_progress p;

		ct_ctnas_get_progress(s, &p);
		/* one step of the restored search, if it is a cheap one (not a whole ranking or training) */
		if (strcmp(p.phase, "start") == 0)
			(void) ct_ctnas_step(s, NULL, NULL, &err);
		ct_ctnas_destroy(s);
	}
	ct_budget_free(&b);
	free(buf);
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
	{
		ct_arch		a;

		if (ct_arch_parse(text, &a, &err))
			check_arch(&a);
		else if (err.kind == CT_OK || err.message[0] == '\0')
			abort();
	}

	ct_nb101_json_begin(&reader, text, size);
	for (int i = 0; i < 1000 && ct_nb101_json_next(&reader, &rec, &err) == 1; i++)
		check_accepted(&rec.graph);

	fuzz_binary(data, size);
	fuzz_space_bytes(data, size);

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
	/* search options and checkpoints */
	{
		ct_ctnas_options sopt;

		if (ct_ctnas_options_from_json(text, &sopt, &err) &&
			((sopt.rounds < 1 && sopt.rounds != CT_CTNAS_ROUNDS_AUTO) || (sopt.first < 0 && sopt.first != CT_CTNAS_FIRST_AUTO) ||
			 sopt.derive_every < 1 || sopt.nac.epochs < 0 || sopt.nac.width < 1))
			abort();
	}
	fuzz_checkpoint(data, size);
	free(text);
	return 0;
}
