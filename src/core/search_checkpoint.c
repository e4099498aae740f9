/*
 * search_checkpoint.c
 *	  Checkpoints of the CTNAS search: the state saved to bytes with a
 *	  checksum, and a search continued from them exactly as the saved one
 *	  would have (ctnas_search.h).
 */
#include "ctnas_search_internal.h"

#include <math.h>
#include <string.h>

#include "ctnas_alloc.h"
#include "ctnas_serial.h"

#define STATE_MAGIC		0x53535443u	/* "CTSS" */
#define STATE_VERSION	5			/* 2 (0.2.0): the batch, open proposals, failed rows, the round under way;
									 * 3: the controller's logit scaling (after the options);
									 * 4: the option "list" and the MLP NAC's layers and width (after them);
									 * 5: the NAC's weight averaging (after those), and the trainer's sums */
#define ROUND_HEAD_SLACK 256		/* candidates kept beyond a round's remaining queries (more: it ranks again) */

/* A cell in the space's checkpoint form (NAS-Bench-101: 0.1.0's). */
static void
put_cell(ct_wbuf *w, const ct_arch *a)
{
	ct_space_of(a)->save(a, w);
}

static bool
get_cell(ct_rbuf *r, const ct_space *space, ct_arch *a)
{
	return space->load(r, a);
}

static void
put_model(ct_wbuf *w, const ct_nac *m, const ct_nac_options *opt)
{
	ct_nac_stats stats = {0};
	size_t		n = ct_nac_blob_size(m);
	uint8_t    *blob = ct_malloc(n);

	ct_nac_blob_write(m, opt, &stats, blob);
	ct_wbuf_u64(w, n);
	ct_wbuf_bytes(w, blob, n);
	ct_free(blob);
}

static bool
get_model(ct_rbuf *r, ct_nac *m)
{
	uint64_t	n = ct_rbuf_u64(r);
	ct_nac_options opt;
	ct_nac_stats stats;
	ct_error	err;

	if (r->bad || n > r->len - r->pos)
		return false;
	if (!ct_nac_blob_read(r->data + r->pos, n, m, &opt, &stats, &err))
		return false;
	r->pos += n;
	return true;
}

static void
put_options(ct_wbuf *w, const ct_ctnas_options *o)
{
	const ct_nac_options *n = &o->nac;

	ct_wbuf_u32(w, (uint32_t) o->recipe);
	ct_wbuf_u64(w, o->seed);
	ct_wbuf_u32(w, (uint32_t) o->space);
	ct_wbuf_u32(w, (uint32_t) o->iterations);
	ct_wbuf_u32(w, (uint32_t) o->derive_every);
	ct_wbuf_u32(w, (uint32_t) o->derive_samples);
	ct_wbuf_u32(w, (uint32_t) o->pseudo_every);
	ct_wbuf_u32(w, (uint32_t) o->pseudo_first);
	ct_wbuf_u32(w, (uint32_t) o->pseudo_pairs);
	ct_wbuf_f64(w, o->entropy_coef);
	ct_wbuf_f64(w, o->controller_lr);
	ct_wbuf_u32(w, (uint32_t) o->first);
	ct_wbuf_u32(w, (uint32_t) o->rounds);
	ct_wbuf_u32(w, (uint32_t) n->recipe);
	ct_wbuf_u64(w, n->seed);
	ct_wbuf_u32(w, (uint32_t) n->epochs);
	ct_wbuf_u32(w, (uint32_t) n->batch_size);
	ct_wbuf_f64(w, n->lr);
	ct_wbuf_f64(w, n->beta1);
	ct_wbuf_f64(w, n->beta2);
	ct_wbuf_f64(w, n->eps);
	ct_wbuf_f64(w, n->weight_decay);
	ct_wbuf_u32(w, (uint32_t) n->head);
	ct_wbuf_u32(w, (uint32_t) n->readout);
	ct_wbuf_u32(w, (uint32_t) n->layers);
	ct_wbuf_u32(w, (uint32_t) n->width);
}

static bool
get_options(ct_rbuf *r, uint32_t version, ct_ctnas_options *o)
{
	ct_nac_options *n = &o->nac;
	ct_nac_shape shape = ct_nac_reference_shape();
	ct_error	err;

	o->recipe = (int) ct_rbuf_u32(r);
	o->seed = ct_rbuf_u64(r);
	o->space = (int) ct_rbuf_u32(r);
	o->space_id = 0;			/* (not saved: the oracle's, checked when the search was made) */
	o->batch = 0;				/* (version 2 saves it after the log) */
	o->iterations = (int) ct_rbuf_u32(r);
	o->derive_every = (int) ct_rbuf_u32(r);
	o->derive_samples = (int) ct_rbuf_u32(r);
	o->pseudo_every = (int) ct_rbuf_u32(r);
	o->pseudo_first = (int) ct_rbuf_u32(r);
	o->pseudo_pairs = (int) ct_rbuf_u32(r);
	o->entropy_coef = ct_rbuf_f64(r);
	o->controller_lr = ct_rbuf_f64(r);
	o->first = (int) ct_rbuf_u32(r);
	o->rounds = (int) ct_rbuf_u32(r);
	n->recipe = (int) ct_rbuf_u32(r);
	n->seed = ct_rbuf_u64(r);
	n->epochs = (int) ct_rbuf_u32(r);
	n->batch_size = (int) ct_rbuf_u32(r);
	n->lr = ct_rbuf_f64(r);
	n->beta1 = ct_rbuf_f64(r);
	n->beta2 = ct_rbuf_f64(r);
	n->eps = ct_rbuf_f64(r);
	n->weight_decay = ct_rbuf_f64(r);
	n->head = (int) ct_rbuf_u32(r);
	n->readout = (int) ct_rbuf_u32(r);
	n->readout_given = true;	/* the readout the search's NACs had */
	n->layers = (int) ct_rbuf_u32(r);
	n->width = (int) ct_rbuf_u32(r);
	o->temperature = o->tanh_constant = o->op_tanh_reduce = 0.0;
	if (version >= 3)
	{
		o->temperature = ct_rbuf_f64(r);
		o->tanh_constant = ct_rbuf_f64(r);
		o->op_tanh_reduce = ct_rbuf_f64(r);
	}
	o->list = 0;
	n->mlp_layers = ct_nac_recipe_options(n->recipe).mlp_layers;
	n->mlp_width = ct_nac_recipe_options(n->recipe).mlp_width;
	if (version >= 4)
	{
		o->list = (int) ct_rbuf_u32(r);
		n->mlp_layers = (int) ct_rbuf_u32(r);
		n->mlp_width = (int) ct_rbuf_u32(r);
	}
	n->average = version >= 5 ? (int) ct_rbuf_u32(r) : 0;
	shape.head = n->head;
	shape.readout = n->readout;
	shape.layers = n->layers;
	shape.width = n->width;
	/* the search options' bounds (search_options.c) and sane NAC options, so a damaged checkpoint cannot ask for absurd work */
	return !r->bad && ct_ctnas_options_in_bounds(o) && ct_nac_recipe_name(n->recipe) != NULL &&
		n->average >= 0 && n->average <= 99 && (o->recipe != CT_CTNAS_RECIPE_PAPER || n->average == 0) &&
		n->mlp_layers >= 1 && n->mlp_layers <= CT_NAC_MAX_LAYERS && n->mlp_width >= 1 && n->mlp_width <= CT_NAC_MAX_WIDTH &&
		n->epochs >= 0 && n->epochs <= 1000000 &&
		n->batch_size >= 1 && n->batch_size <= 1000000 && isfinite(n->lr) && isfinite(n->beta1) &&
		isfinite(n->beta2) && isfinite(n->eps) && isfinite(n->weight_decay) &&
		ct_nac_shape_valid(&shape, &err);
}

uint8_t *
ct_ctnas_save(const ct_ctnas_search *s, size_t *len)
{
	ct_wbuf		w;

	/*
	 * The oldest version that holds the state: a search that never batched
	 * nor waited writes 0.1.0's; one without logit scaling no newer than 2,
	 * one that lists nothing and has no MLP of another size than its recipe's
	 * no newer than 3, one whose NAC averages no weights no newer than 4.
	 */
	ct_nac_options mlp = ct_nac_recipe_options(s->opt.nac.recipe);
	bool		uses_mlp = ct_nac_options_shape(&s->opt.nac, s->b->oracle->space).network == CT_NAC_NETWORK_MLP;
	bool		v5 = s->opt.nac.average != 0;
	bool		v4 = v5 || s->opt.list != 0 ||
		(uses_mlp && (s->opt.nac.mlp_layers != mlp.mlp_layers || s->opt.nac.mlp_width != mlp.mlp_width));
	bool		v3 = v4 || s->opt.temperature != 0 || s->opt.tanh_constant != 0 || s->opt.op_tanh_reduce != 0;
	bool		v2 = v3 || s->opt.batch != 0 || s->b->nfailed > 0 || s->b->npending > 0 || s->round_target >= 0;

	ct_wbuf_init(&w);
	ct_wbuf_u32(&w, STATE_MAGIC);
	ct_wbuf_u32(&w, v5 ? 5 : v4 ? 4 : v3 ? 3 : v2 ? 2 : 1);
	ct_wbuf_u64(&w, s->fingerprint);
	put_options(&w, &s->opt);
	if (v3)
	{
		ct_wbuf_f64(&w, s->opt.temperature);
		ct_wbuf_f64(&w, s->opt.tanh_constant);
		ct_wbuf_f64(&w, s->opt.op_tanh_reduce);
	}
	if (v4)
	{
		ct_wbuf_u32(&w, (uint32_t) s->opt.list);
		ct_wbuf_u32(&w, (uint32_t) s->opt.nac.mlp_layers);
		ct_wbuf_u32(&w, (uint32_t) s->opt.nac.mlp_width);
	}
	if (v5)
		ct_wbuf_u32(&w, (uint32_t) s->opt.nac.average);
	ct_wbuf_u32(&w, (uint32_t) s->ph);
	ct_wbuf_u64(&w, (uint64_t) s->iter);
	ct_wbuf_u32(&w, (uint32_t) s->round);
	ct_wbuf_u64(&w, (uint64_t) s->steps);
	for (int i = 0; i < 4; i++)
		ct_wbuf_u64(&w, s->rng.s[i]);
	ct_wbuf_u32(&w, (uint32_t) s->b->used);
	for (int i = 0; i < s->b->used; i++)
		ct_wbuf_u64(&w, (uint64_t) s->b->log[i]);
	if (v2)
	{
		ct_wbuf_u32(&w, (uint32_t) s->opt.batch);
		ct_wbuf_u32(&w, (uint32_t) s->b->nfailed);
		for (int i = 0; i < s->b->nfailed; i++)
			ct_wbuf_u64(&w, (uint64_t) s->b->failed[i]);
		ct_wbuf_u32(&w, (uint32_t) s->b->npending);
		for (int i = 0; i < s->b->npending; i++)
			ct_wbuf_u64(&w, (uint64_t) s->b->pending[i]);
		ct_wbuf_u32(&w, (uint32_t) s->round_target);
		{
			/* the round's next candidates: its remaining queries and some to spare for failures */
			size_t		left = s->round_target >= 0 ? s->norder - s->opos : 0;
			size_t		keep = s->round_target >= 0 ? (size_t) (s->round_target - s->b->used) + ROUND_HEAD_SLACK : 0;

			if (keep > left)
				keep = left;
			ct_wbuf_u64(&w, keep);
			for (size_t i = 0; i < keep; i++)
				ct_wbuf_u64(&w, (uint64_t) s->order[s->opos + i]);
		}
	}
	ct_wbuf_u32(&w, s->has_init);
	if (s->has_init)
		put_model(&w, &s->init, &s->opt.nac);
	ct_wbuf_u32(&w, s->has_model);
	if (s->has_model)
	{
		put_model(&w, &s->model, &s->opt.nac);
		ct_wbuf_u64(&w, s->model_stats.rows);
		ct_wbuf_u64(&w, s->model_stats.epochs);
		ct_wbuf_u64(&w, s->model_stats.steps);
		ct_wbuf_f64(&w, s->model_stats.final_loss);
	}
	ct_wbuf_u64(&w, s->model_seed);
	ct_wbuf_u32(&w, s->trainer != NULL);
	if (s->trainer != NULL)
	{
		ct_wbuf_u32(&w, (uint32_t) s->trainer_rows);
		ct_nac_trainer_save(s->trainer, &w);
	}
	if (s->opt.recipe == CT_CTNAS_RECIPE_PAPER)
	{
		ct_wbuf_f32s(&w, s->ctrl.params, s->ctrl.nparams);
		ct_adam_save(&s->ctrl_adam, &w);
		ct_wbuf_u32(&w, s->has_champion);
		if (s->has_champion)
		{
			put_cell(&w, &s->baseline);
			put_cell(&w, &s->champion);
		}
		ct_wbuf_f64(&w, s->last_entropy);
		ct_wbuf_u32(&w, (uint32_t) s->npool);
		for (int i = 0; i < s->npool; i++)
		{
			put_cell(&w, &s->pool[i].a);
			put_cell(&w, &s->pool[i].b);
			ct_wbuf_u32(&w, s->pool[i].label != 0);
		}
	}
	/* a checksum over everything, so damage is an error rather than a different search */
	ct_wbuf_u32(&w, ct_crc32(w.data, w.len));
	*len = w.len;
	return w.data;
}

/* Undoes the queries, proposals and failures a failed restore replayed, so the budget is fresh again. */
static void
forget_queries(ct_budget *b)
{
	for (int i = 0; i < b->used; i++)
		b->seen[b->log[i]] = CT_ROW_NEW;
	for (int i = 0; i < b->npending; i++)
		b->seen[b->pending[i]] = CT_ROW_NEW;
	for (int i = 0; i < b->nfailed; i++)
		b->seen[b->failed[i]] = CT_ROW_NEW;
	b->used = b->npending = b->nfailed = 0;
	b->waiting = false;
}

bool
ct_ctnas_checkpoint_options(const uint8_t *buf, size_t len, ct_ctnas_options *opt, ct_error *err)
{
	ct_rbuf		r;
	uint32_t	magic,
				version;

	if (len >= 16)
	{
		ct_rbuf_init(&r, buf + len - 4, 4);
		if (ct_rbuf_u32(&r) == ct_crc32(buf, len - 4))
		{
			ct_rbuf_init(&r, buf, len - 4);
			magic = ct_rbuf_u32(&r);
			version = ct_rbuf_u32(&r);
			if (magic == STATE_MAGIC && version >= 1 && version <= STATE_VERSION)
			{
				(void) ct_rbuf_u64(&r);		/* the oracle's fingerprint: ct_ctnas_restore checks it */
				if (get_options(&r, version, opt))
					return true;
			}
		}
	}
	return ct_fail(err, CT_ERR_INVALID, "invalid search checkpoint", "It is damaged or was not written by this version."), false;
}

ct_ctnas_search *
ct_ctnas_restore(ct_budget *b, const uint8_t *buf, size_t len, ct_error *err)
{
	ct_rbuf		r;
	ct_ctnas_options opt;
	ct_ctnas_search *s = NULL;
	ct_nac		init;
	bool		has_init;
	uint32_t	used;
	uint32_t	crc;
	uint32_t	version;
	uint32_t	nfailed = 0,
				npending = 0;
	int64_t    *failed = NULL,
			   *pending = NULL,
			   *head = NULL;
	uint64_t	nhead = 0;
	int			round_target = -1;

#define DAMAGED() do { ct_ctnas_destroy(s); forget_queries(b); ct_free(failed); ct_free(pending); ct_free(head); \
		return ct_fail(err, CT_ERR_INVALID, "invalid search checkpoint", "It is damaged or was not written by this version."), NULL; } while (0)

	if (len < 16)
		DAMAGED();
	ct_rbuf_init(&r, buf + len - 4, 4);
	crc = ct_rbuf_u32(&r);
	if (crc != ct_crc32(buf, len - 4))
		DAMAGED();
	ct_rbuf_init(&r, buf, len - 4);
	if (ct_rbuf_u32(&r) != STATE_MAGIC)
		DAMAGED();
	version = ct_rbuf_u32(&r);
	if (version < 1 || version > STATE_VERSION)
		DAMAGED();
	if (ct_rbuf_u64(&r) != oracle_fingerprint(b->oracle))
		return ct_fail(err, CT_ERR_INVALID, "the search checkpoint belongs to another oracle",
					   "The oracle's cells or accuracies changed since the checkpoint was written."), NULL;
	if (!get_options(&r, version, &opt))
		DAMAGED();

	/* the state's fields are read into a search built the normal way */
	{
		phase		ph = (phase) ct_rbuf_u32(&r);
		int64_t		iter = (int64_t) ct_rbuf_u64(&r);
		int			round = (int) ct_rbuf_u32(&r);
		int64_t		steps = (int64_t) ct_rbuf_u64(&r);
		ct_rng		rng;
		int			saved_used;

		for (int i = 0; i < 4; i++)
			rng.s[i] = ct_rbuf_u64(&r);
		if (r.bad || ph > PH_DONE || iter < 0 || round < 0 || steps < 0)
			DAMAGED();
		used = ct_rbuf_u32(&r);
		if (r.bad || used > (uint32_t) b->budget)
			DAMAGED();
		for (uint32_t i = 0; i < used; i++)
		{
			uint64_t	row = ct_rbuf_u64(&r);
			double		a;

			if (r.bad || row >= b->oracle->n || b->seen[row])
				DAMAGED();
			ct_budget_query(b, (int64_t) row, &a);
		}
		if (version >= 2)
		{
			/* rows are checked once the search is built (the budget's rules); here only their count */
			opt.batch = (int) ct_rbuf_u32(&r);
			nfailed = ct_rbuf_u32(&r);
			if (r.bad || opt.batch < 0 || opt.batch > CT_BATCH_MAX || nfailed > (r.len - r.pos) / 8)
				DAMAGED();
			failed = ct_malloc(sizeof(int64_t) * (nfailed + 1));
			for (uint32_t i = 0; i < nfailed; i++)
				failed[i] = (int64_t) ct_rbuf_u64(&r);
			npending = ct_rbuf_u32(&r);
			if (r.bad || npending > (r.len - r.pos) / 8)
				DAMAGED();
			pending = ct_malloc(sizeof(int64_t) * (npending + 1));
			for (uint32_t i = 0; i < npending; i++)
				pending[i] = (int64_t) ct_rbuf_u64(&r);
			round_target = (int) ct_rbuf_u32(&r);
			nhead = ct_rbuf_u64(&r);
			if (r.bad || round_target < -1 || round_target > b->budget || nhead > (r.len - r.pos) / 8)
				DAMAGED();
			head = ct_malloc(sizeof(int64_t) * (nhead + 1));
			for (uint64_t i = 0; i < nhead; i++)
			{
				head[i] = (int64_t) ct_rbuf_u64(&r);
				if ((uint64_t) head[i] >= b->oracle->n)
					DAMAGED();
			}
		}
		has_init = ct_rbuf_u32(&r) != 0;
		if (has_init && !get_model(&r, &init))
			DAMAGED();
		/* ct_ctnas_create wants a fresh budget: show it one, then put the log back */
		saved_used = b->used;
		b->used = 0;
		s = ct_ctnas_create(b, &opt, has_init ? &init : NULL, err);
		b->used = saved_used;
		if (has_init)
			ct_nac_free(&init);
		if (s == NULL)
		{
			forget_queries(b);
			return NULL;
		}
		s->ph = ph;
		s->iter = iter;
		s->round = round;
		s->steps = steps;
		s->rng = rng;
		/* failed rows, then the open proposals (the budget's room counts both) */
		for (uint32_t i = 0; i < nfailed; i++)
			if ((uint64_t) failed[i] >= b->oracle->n || !ct_budget_restore_failed(b, failed[i]))
				DAMAGED();
		for (uint32_t i = 0; i < npending; i++)
			if ((uint64_t) pending[i] >= b->oracle->n || !ct_budget_restore_pending(b, pending[i]))
				DAMAGED();
		s->round_target = round_target;
		if (round_target >= 0)
		{
			s->order = head;
			s->norder = (size_t) nhead;
			s->opos = 0;
			head = NULL;
		}
		ct_free(failed);
		ct_free(pending);
		ct_free(head);
		failed = pending = head = NULL;
	}
	if (ct_rbuf_u32(&r) != 0)
	{
		if (!get_model(&r, &s->model))
			DAMAGED();
		s->has_model = true;
		s->model_stats.rows = ct_rbuf_u64(&r);
		s->model_stats.epochs = (uint32_t) ct_rbuf_u64(&r);
		s->model_stats.steps = ct_rbuf_u64(&r);
		s->model_stats.final_loss = ct_rbuf_f64(&r);
	}
	s->model_seed = ct_rbuf_u64(&r);
	if (ct_rbuf_u32(&r) != 0)
	{
		uint32_t	rows = ct_rbuf_u32(&r);
		int			saved_used = b->used;
		bool		had_init = s->has_init;

		if (r.bad || rows < 2 || rows > used)
			DAMAGED();
		/* the trainer's rows are the first `rows` queried cells */
		b->used = (int) rows;
		s->has_init = false;	/* the saved weights replace any warm start */
		if (!start_trainer(s, s->model_seed, err))
		{
			b->used = saved_used;
			s->has_init = had_init;
			ct_ctnas_destroy(s);
			forget_queries(b);
			return NULL;
		}
		b->used = saved_used;
		s->has_init = had_init;
		if (!ct_nac_trainer_restore(s->trainer, &r))
			DAMAGED();
	}
	if (opt.recipe == CT_CTNAS_RECIPE_PAPER)
	{
		uint32_t	npool;

		if (!ct_rbuf_f32s(&r, s->ctrl.params, s->ctrl.nparams) || !ct_adam_restore(&s->ctrl_adam, &r))
			DAMAGED();
		s->has_champion = ct_rbuf_u32(&r) != 0;
		if (s->has_champion && (!get_cell(&r, b->oracle->space, &s->baseline) || !get_cell(&r, b->oracle->space, &s->champion)))
			DAMAGED();
		s->last_entropy = ct_rbuf_f64(&r);
		npool = ct_rbuf_u32(&r);
		/* a pair takes at least 6 bytes: its label and two cells (NAS-Bench-101's take 15 bytes, NAS-Bench-201's 2, DARTS' 12) */
		if (r.bad || npool > (r.len - r.pos) / 6)
			DAMAGED();
		s->pool_cap = (int) (npool > 0 ? npool : 1);
		s->pool = ct_malloc(sizeof(ct_nac_labelled_pair) * s->pool_cap);
		for (uint32_t i = 0; i < npool; i++)
		{
			if (!get_cell(&r, b->oracle->space, &s->pool[i].a) || !get_cell(&r, b->oracle->space, &s->pool[i].b))
				DAMAGED();
			s->pool[i].label = ct_rbuf_u32(&r) != 0 ? 1.0f : 0.0f;
			s->npool = (int) i + 1;
		}
	}
	if (r.bad || r.pos != r.len)
		DAMAGED();
	/* every model in it has the options' shape (the buffers are sized by it) */
	{
		ct_nac_shape want = ct_nac_options_shape(&s->opt.nac, b->oracle->space);
		const ct_nac *models[2] = {s->has_init ? &s->init : NULL, s->has_model ? &s->model : NULL};

		for (int i = 0; i < 2; i++)
			if (models[i] != NULL &&
				((models[i]->shape.network == CT_NAC_NETWORK_MLP) != (want.network == CT_NAC_NETWORK_MLP) ||
				 models[i]->shape.layers != want.layers ||
				 models[i]->shape.width != want.width || models[i]->shape.head != want.head ||
				 models[i]->shape.readout != want.readout || ct_nac_shape_space(&models[i]->shape) != b->oracle->space))
				DAMAGED();
	}
	if (s->opt.recipe == CT_CTNAS_RECIPE_DEFAULT && s->round >= s->opt.rounds && s->ph != PH_DONE)
		DAMAGED();
	/* a phase of the recipe (another would never end), and a phase that needs a NAC has one */
	if (opt.recipe == CT_CTNAS_RECIPE_PAPER ? (s->ph == PH_TRAIN || s->ph == PH_RANK)
		: (s->ph == PH_PRETRAIN || s->ph == PH_SEARCH))
		DAMAGED();
	if ((s->ph == PH_PRETRAIN || s->ph == PH_SEARCH) && s->trainer == NULL)
		DAMAGED();
	if (s->ph == PH_SEARCH && !s->has_champion)
		DAMAGED();
	if (s->ph == PH_RANK && current_nac(s) == NULL)
		DAMAGED();
	return s;
#undef DAMAGED
}
