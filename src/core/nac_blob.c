/*
 * nac_blob.c
 *	  The stored form of a trained NAC: a versioned, little-endian byte
 *	  string with a magic number and a CRC-32 (layout in README, "Model
 *	  format").  No wall-clock values, so equal training gives equal bytes.
 */
#include "ctnas_nac.h"

#include <math.h>
#include <string.h>

#include "ctnas_alloc.h"

#define MAGIC			"CTNASNAC"
#define HEADER_SIZE		120

static void
put_u(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t
get_u(const uint8_t *p, int bytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

static void
put_f64(uint8_t *p, double x)
{
	uint64_t	u;

	memcpy(&u, &x, 8);
	put_u(p, u, 8);
}

static double
get_f64(const uint8_t *p)
{
	uint64_t	u = get_u(p, 8);
	double		x;

	memcpy(&x, &u, 8);
	return x;
}

size_t
ct_nac_blob_size(const ct_nac *m)
{
	return HEADER_SIZE + 4 * m->nparams + 4;
}

void
ct_nac_blob_write(const ct_nac *m, const ct_nac_options *opt, const ct_nac_stats *stats, uint8_t *buf)
{
	const ct_nac_shape *s = &m->shape;
	uint8_t    *w;

	memset(buf, 0, HEADER_SIZE);
	memcpy(buf, MAGIC, 8);
	put_u(buf + 8, CT_NAC_FORMAT_VERSION, 2);
	put_u(buf + 10, HEADER_SIZE, 2);
	buf[12] = ct_nac_shape_space(s)->id;	/* the space of the cells it reads */
	buf[13] = ct_nac_is_mlp(s) ? CT_NAC_NETWORK_MLP : CT_NAC_NETWORK_GCN;
	put_u(buf + 14, (uint64_t) s->layers, 2);
	put_u(buf + 16, (uint64_t) s->width, 2);
	put_u(buf + 18, (uint64_t) s->slots, 2);
	buf[20] = (uint8_t) s->vocab;
	buf[21] = (uint8_t) s->vocab_size;
	buf[22] = (uint8_t) s->readout;
	buf[23] = (uint8_t) s->head;
	buf[24] = ct_nac_is_mlp(s) ? 0 : 1;	/* residual connections (the GCN's) */
	buf[25] = ct_nac_is_mlp(s) ? 0 : 1;	/* self loops (the GCN's) */
	buf[26] = (uint8_t) opt->recipe;
	buf[27] = (uint8_t) opt->average;	/* reserved (0) before 0.2.0: the models of then average nothing */
	put_u(buf + 28, opt->seed, 8);
	put_u(buf + 36, (uint64_t) opt->epochs, 4);
	put_u(buf + 40, (uint64_t) opt->batch_size, 4);
	put_f64(buf + 44, opt->lr);
	put_f64(buf + 52, opt->beta1);
	put_f64(buf + 60, opt->beta2);
	put_f64(buf + 68, opt->eps);
	put_f64(buf + 76, opt->weight_decay);
	put_u(buf + 84, stats->rows, 8);
	put_u(buf + 92, stats->epochs, 4);
	put_u(buf + 96, stats->steps, 8);
	put_f64(buf + 104, stats->final_loss);
	put_u(buf + 112, m->nparams, 8);
	w = buf + HEADER_SIZE;
	for (size_t i = 0; i < m->nparams; i++)
	{
		uint32_t	u;

		memcpy(&u, &m->params[i], 4);
		put_u(w + 4 * i, u, 4);
	}
	put_u(w + 4 * m->nparams, ct_crc32(buf, HEADER_SIZE + 4 * m->nparams), 4);
}

static bool
corrupt(ct_error *err, const char *detail)
{
	return ct_fail(err, CT_ERR_INVALID, "invalid NAC model", "%s", detail);
}

bool
ct_nac_blob_read(const uint8_t *buf, size_t len, ct_nac *out, ct_nac_options *opt,
				 ct_nac_stats *stats, ct_error *err)
{
	ct_nac_shape s;
	uint64_t	nparams;
	const uint8_t *w;
	ct_nac		m;

	if (len < 12 || memcmp(buf, MAGIC, 8) != 0)
		return corrupt(err, "The value does not start with the magic number of a ctnas model.");
	if (get_u(buf + 8, 2) != CT_NAC_FORMAT_VERSION)
		return ct_fail(err, CT_ERR_INVALID, "unsupported NAC model format version",
					   "The model has format version %u; this build reads version %d.",
					   (unsigned) get_u(buf + 8, 2), CT_NAC_FORMAT_VERSION);
	if (len < HEADER_SIZE + 4 || get_u(buf + 10, 2) != HEADER_SIZE)
		return corrupt(err, "The model is truncated or its header has the wrong size.");
	if (ct_space_by_id(buf[12]) == NULL ||
		!((buf[13] == CT_NAC_NETWORK_GCN && buf[24] == 1 && buf[25] == 1) ||
		  (buf[13] == CT_NAC_NETWORK_MLP && buf[24] == 0 && buf[25] == 0)))
		return corrupt(err, "The model's search space or network kind is unknown.");
	s.network = buf[13];
	s.layers = (int) get_u(buf + 14, 2);
	s.width = (int) get_u(buf + 16, 2);
	s.slots = (int) get_u(buf + 18, 2);
	s.vocab = buf[20];
	s.vocab_size = buf[21];
	s.readout = buf[22];
	s.head = buf[23];
	if (!ct_nac_shape_valid(&s, err))
		return false;
	if (ct_nac_shape_space(&s)->id != buf[12])
		return corrupt(err, "The model's input encoding is not that of its search space.");
	nparams = get_u(buf + 112, 8);
	if (nparams != (uint64_t) ct_nac_nparams(&s))
		return corrupt(err, "The parameter count does not match the network shape.");
	if (len != HEADER_SIZE + 4 * nparams + 4)
		return corrupt(err, "The model's length does not match its parameter count (truncated or padded).");
	if (get_u(buf + HEADER_SIZE + 4 * nparams, 4) != ct_crc32(buf, HEADER_SIZE + 4 * nparams))
		return corrupt(err, "The checksum does not match: the model is damaged.");
	if (ct_nac_recipe_name(buf[26]) == NULL)
		return corrupt(err, "The model names an unknown training recipe.");
	if (buf[27] > 99)
		return corrupt(err, "The model's weight averaging is not a percentage below 100.");

	ct_nac_alloc(&m, &s);
	w = buf + HEADER_SIZE;
	for (size_t i = 0; i < m.nparams; i++)
	{
		uint32_t	u = (uint32_t) get_u(w + 4 * i, 4);

		memcpy(&m.params[i], &u, 4);
		/* no training stores a larger weight (ct_nac_check_finite): such a model is damaged or forged */
		if (!ct_nac_weight_ok(m.params[i]))
		{
			double		bad = m.params[i];

			ct_nac_free(&m);
			return ct_fail(err, CT_ERR_INVALID, "invalid NAC model",
						   "Weight %zu is %g; a weight must be a finite number of magnitude at most %g.",
						   i, bad, (double) CT_NAC_MAX_WEIGHT);
		}
	}
	/* the antisymmetric head's invariants, so NAC(a, b) = 1 - NAC(b, a) holds for any model read */
	if (m.shape.head == CT_NAC_HEAD_ANTISYMMETRIC)
	{
		bool		tied = m.fc_b[0] == 0.0f;

		for (int k = 0; k < m.feat && tied; k++)
			tied = m.fc_w[m.feat + k] == -m.fc_w[k];
		if (!tied)
		{
			ct_nac_free(&m);
			return corrupt(err, "The model's antisymmetric head is not antisymmetric.");
		}
	}
	{
		/* lr, beta1, beta2, eps, weight decay, final loss */
		static const int doubles[] = {44, 52, 60, 68, 76, 104};

		for (int i = 0; i < 6; i++)
			if (!isfinite(get_f64(buf + doubles[i])))
			{
				ct_nac_free(&m);
				return corrupt(err, "The model's header holds a number that is not finite.");
			}
	}
	if (opt)
	{
		opt->recipe = buf[26];
		opt->seed = get_u(buf + 28, 8);
		opt->epochs = (int) get_u(buf + 36, 4);
		opt->batch_size = (int) get_u(buf + 40, 4);
		opt->lr = get_f64(buf + 44);
		opt->beta1 = get_f64(buf + 52);
		opt->beta2 = get_f64(buf + 60);
		opt->eps = get_f64(buf + 68);
		opt->weight_decay = get_f64(buf + 76);
		opt->average = buf[27];
	}
	if (stats)
	{
		stats->rows = get_u(buf + 84, 8);
		stats->epochs = (uint32_t) get_u(buf + 92, 4);
		stats->steps = get_u(buf + 96, 8);
		stats->final_loss = get_f64(buf + 104);
	}
	*out = m;
	return true;
}
