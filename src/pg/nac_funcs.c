/*
 * nac_funcs.c
 *	  Using a trained NAC: nac_compare and nac_score with a model of
 *	  ctnas.models, the ctnas.model setting's or one passed as bytea
 *	  (models.h), and nac_info.
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "archgraph.h"
#include "ctnas_nac.h"
#include "models.h"
#include "pg_util.h"

/*
 * A model's weights are bounded (CT_NAC_MAX_WEIGHT), which keeps the
 * recipes' network finite, but a deep, wide network can still overflow
 * float in its forward pass: such a result is an error, never an Infinity
 * or a NaN passed on as an answer.
 */
static void
check_forward_result(double x)
{
	if (!isfinite(x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the NAC's forward pass overflowed"),
				 errdetail("The model's activations exceed the range of float for this cell.")));
}

/*
 * With model e (by name, setting or bytes: all live in the model cache).  The
 * batch's scratch buffers and node states grow inside forward passes,
 * through the core's allocator, i.e. in CurrentMemoryContext: that must be
 * the context the model lives in, not the per-row one.
 */
static Datum
compare_with(FunctionCallInfo fcinfo, CachedModel *e)
{
	const ct_nac *model = &e->model;
	ct_arch		a,
				b;
	MemoryContext old;
	const float *fa,
			   *fb;
	float		fa_copy[CT_NAC_MAX_FEAT];
	double		p;

	archgraph_arg(fcinfo, 0, &a);
	archgraph_arg(fcinfo, 1, &b);
	ctnas_model_check_space(model, &a);
	ctnas_model_check_space(model, &b);
	ctnas_blas_single_thread();
	old = MemoryContextSwitchTo(e->cxt);
	/* copied: b's embedding may land in the same cache entry */
	fa = ct_nac_embed_cached(e->embeddings, model, e->batch, &a);
	memcpy(fa_copy, fa, sizeof(float) * model->feat);
	fb = ct_nac_embed_cached(e->embeddings, model, e->batch, &b);
	p = ct_nac_prob_feat(model, fa_copy, fb);
	MemoryContextSwitchTo(old);
	check_forward_result(p);
	PG_RETURN_FLOAT8(p);
}

static Datum
score_with(FunctionCallInfo fcinfo, CachedModel *e)
{
	const ct_nac *model = &e->model;
	ct_arch		a;
	MemoryContext old;
	double		score;

	archgraph_arg(fcinfo, 0, &a);
	ctnas_model_check_space(model, &a);
	ctnas_blas_single_thread();
	old = MemoryContextSwitchTo(e->cxt);
	score = ct_nac_score_feat(model, ct_nac_embed_cached(e->embeddings, model, e->batch, &a));
	MemoryContextSwitchTo(old);
	check_forward_result(score);
	PG_RETURN_FLOAT8(score);
}

PG_FUNCTION_INFO_V1(nac_compare_setting);
Datum
nac_compare_setting(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_cached(ctnas_model_setting());

	return compare_with(fcinfo, e);
}

PG_FUNCTION_INFO_V1(nac_compare_named);
Datum
nac_compare_named(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_cached(text_to_cstring(PG_GETARG_TEXT_PP(2)));

	return compare_with(fcinfo, e);
}

PG_FUNCTION_INFO_V1(nac_compare_blob);
Datum
nac_compare_blob(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_from_blob(fcinfo, 2, false);

	return compare_with(fcinfo, e);
}

PG_FUNCTION_INFO_V1(nac_score_setting);
Datum
nac_score_setting(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_cached(ctnas_model_setting());

	return score_with(fcinfo, e);
}

PG_FUNCTION_INFO_V1(nac_score_named);
Datum
nac_score_named(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_cached(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	return score_with(fcinfo, e);
}

PG_FUNCTION_INFO_V1(nac_score_blob);
Datum
nac_score_blob(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_from_blob(fcinfo, 1, false);

	return score_with(fcinfo, e);
}

/*
 * The same over weights that are one value for the whole query: what a Citus
 * coordinator puts in place of a model's name (citus.c), a subquery whose
 * result the executor keeps at one address.
 */
PG_FUNCTION_INFO_V1(nac_compare_query_model);
Datum
nac_compare_query_model(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_from_blob(fcinfo, 2, true);

	return compare_with(fcinfo, e);
}

PG_FUNCTION_INFO_V1(nac_score_query_model);
Datum
nac_score_query_model(PG_FUNCTION_ARGS)
{
	CachedModel *e = ctnas_model_from_blob(fcinfo, 1, true);

	return score_with(fcinfo, e);
}

PG_FUNCTION_INFO_V1(nac_info);
Datum
nac_info(PG_FUNCTION_ARGS)
{
	bytea	   *blob = PG_GETARG_BYTEA_PP(0);
	ct_nac		m;
	ct_nac_options opt;
	ct_nac_stats stats;
	ct_error	err;
	StringInfoData s;

	if (!ct_nac_blob_read((const uint8_t *) VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob),
						  &m, &opt, &stats, &err))
		ct_report_error(&err, "bytea", NULL);
	initStringInfo(&s);
	if (ct_nac_is_mlp(&m.shape))
		appendStringInfo(&s,
						 "{\"format_version\": %d, \"bytes\": %zu, \"space\": \"%s\", "
						 "\"network\": {\"type\": \"mlp\", \"layers\": %d, \"width\": %d, \"inputs\": %d, "
						 "\"activation\": \"relu after every layer but the last\", "
						 "\"readout\": \"the last layer's output\", "
						 "\"head\": \"%s\", "
						 "\"input\": %s, "
						 "\"parameters\": %zu}, "
						 "\"recipe\": {\"name\": \"%s\", \"seed\": " UINT64_FORMAT ", \"epochs\": %d, \"batch_size\": %d, "
						 "\"lr\": %.17g, \"beta1\": %.17g, \"beta2\": %.17g, \"eps\": %.17g, \"weight_decay\": %.17g, \"average\": %g}, "
						 "\"training\": {\"rows\": " UINT64_FORMAT ", \"epochs\": %u, \"steps\": " UINT64_FORMAT ", \"final_loss\": %.17g}}",
						 CT_NAC_FORMAT_VERSION, (size_t) VARSIZE_ANY_EXHDR(blob), ct_nac_shape_space(&m.shape)->info_name,
						 m.shape.layers, m.shape.width, m.shape.slots,
						 m.shape.head == CT_NAC_HEAD_ANTISYMMETRIC
						 ? "sigmoid(w . (f(a) - f(b)))" : "sigmoid(fc(concat(f(a), f(b))))",
						 ct_nac_shape_space(&m.shape)->nac_vocab_json,
						 m.nparams,
						 ct_nac_recipe_name(opt.recipe), opt.seed, opt.epochs, opt.batch_size,
						 opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay, opt.average / 100.0,
						 stats.rows, stats.epochs, stats.steps, stats.final_loss);
	else
	appendStringInfo(&s,
					 "{\"format_version\": %d, \"bytes\": %zu, \"space\": \"%s\", "
					 "\"network\": {\"type\": \"gcn\", \"layers\": %d, \"width\": %d, \"slots\": %d, "
					 "\"residual\": true, \"self_loops\": true, \"readout\": \"%s\", "
					 "\"head\": \"%s\", "
					 "\"op_vocabulary\": %s, "
					 "\"parameters\": %zu}, "
					 "\"recipe\": {\"name\": \"%s\", \"seed\": " UINT64_FORMAT ", \"epochs\": %d, \"batch_size\": %d, "
					 "\"lr\": %.17g, \"beta1\": %.17g, \"beta2\": %.17g, \"eps\": %.17g, \"weight_decay\": %.17g, \"average\": %g}, "
					 "\"training\": {\"rows\": " UINT64_FORMAT ", \"epochs\": %u, \"steps\": " UINT64_FORMAT ", \"final_loss\": %.17g}}",
					 CT_NAC_FORMAT_VERSION, (size_t) VARSIZE_ANY_EXHDR(blob), ct_nac_shape_space(&m.shape)->info_name,
					 m.shape.layers, m.shape.width, m.shape.slots,
					 ct_nac_readout_text(&m.shape),
					 m.shape.head == CT_NAC_HEAD_ANTISYMMETRIC
					 ? "sigmoid(w . (f(a) - f(b)))" : "sigmoid(fc(concat(f(a), f(b))))",
					 ct_nac_shape_space(&m.shape)->nac_vocab_json,
					 m.nparams,
					 ct_nac_recipe_name(opt.recipe), opt.seed, opt.epochs, opt.batch_size,
					 opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay, opt.average / 100.0,
					 stats.rows, stats.epochs, stats.steps, stats.final_loss);
	ct_nac_free(&m);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data)));
}
