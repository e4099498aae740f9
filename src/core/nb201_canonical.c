/*
 * nb201_canonical.c
 *	  NAS-Bench-201 isomorphism: AutoDL-Projects' to_unique_str and the class
 *	  table (see ctnas_nb201.h).
 */
#include "nb201_internal.h"

#include <stdlib.h>
#include <string.h>

#include "ctnas_alloc.h"

/*
 * Node strings stay well inside this: node 1 is at most 16 characters
 * ("(0)@nor_conv_3x3"), a term of node 2 at most 16 + 16, node 2 at most
 * 2 * 32 + 1 = 65, a term of node 3 at most 65 + 16, node 3 at most
 * 3 * 81 + 2 = 245 (in fact 112).
 */
#define NODE_MAX 256

/* Structure.to_unique_str(consider_zero=True) into node[3]; returns its length. */
static size_t
unique_nodes(const ct_nb201_cell *c, char node[CT_NB201_NUM_NODES][NODE_MAX])
{
	int			e = 0;

	strcpy(node[0], "0");
	for (int j = 1; j < CT_NB201_NUM_NODES; j++)
	{
		char		term[CT_NB201_NUM_NODES - 1][NODE_MAX];
		const char *sorted[CT_NB201_NUM_NODES - 1];
		size_t		len = 0;

		/* the inputs of node j in node_info order: edge j<-0, j<-1, ... */
		for (int i = 0; i < j; i++, e++)
		{
			int			op = c->ops[e];

			if (op == CT_NB201_NONE || strcmp(node[i], "#") == 0)
				strcpy(term[i], "#");	/* zero */
			else if (op == CT_NB201_SKIP_CONNECT)
				strcpy(term[i], node[i]);
			else
			{
				strcpy(term[i], "(");
				strcat(term[i], node[i]);
				strcat(term[i], ")@");
				strcat(term[i], op < CT_NB201_NUM_OPS ? ct_nb201_op_name(op) : "?");
			}
		}
		/* "+".join(sorted(cur_node)): Python orders str by code point, strcmp by unsigned byte: the same for ASCII */
		for (int i = 0; i < j; i++)
		{
			int			k = i;

			while (k > 0 && strcmp(sorted[k - 1], term[i]) > 0)
			{
				sorted[k] = sorted[k - 1];
				k--;
			}
			sorted[k] = term[i];
		}
		node[j][0] = '\0';
		for (int i = 0; i < j; i++)
		{
			size_t		n = strlen(sorted[i]);

			if (i > 0)
				node[j][len++] = '+';
			memcpy(node[j] + len, sorted[i], n + 1);
			len += n;
		}
	}
	return strlen(node[CT_NB201_NUM_NODES - 1]);
}

size_t
ct_nb201_unique_str(const ct_nb201_cell *c, char *buf, size_t size)
{
	char		node[CT_NB201_NUM_NODES][NODE_MAX];
	size_t		len = unique_nodes(c, node);

	if (len < size)
		memcpy(buf, node[CT_NB201_NUM_NODES - 1], len + 1);
	else if (size > 0)
		buf[0] = '\0';
	return len;
}

bool
ct_nb201_isomorphic(const ct_nb201_cell *a, const ct_nb201_cell *b)
{
	char		x[CT_NB201_NUM_NODES][NODE_MAX];
	char		y[CT_NB201_NUM_NODES][NODE_MAX];

	unique_nodes(a, x);
	unique_nodes(b, y);
	return strcmp(x[CT_NB201_NUM_NODES - 1], y[CT_NB201_NUM_NODES - 1]) == 0;
}

/* ---- the class table -------------------------------------------------- */

static uint16_t canon_of_index[CT_NB201_NUM_CELLS];	/* index -> smallest index of its class */
static uint16_t size_of_class[CT_NB201_NUM_CELLS];	/* by representative index */
static int	num_classes = 0;	/* 0 until built */

typedef struct keyed
{
	uint64_t	hash;
	uint16_t	index;
} keyed;

static uint64_t
fnv1a(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
	return h;
}

static int
keyed_cmp(const void *a, const void *b)
{
	const keyed *x = a;
	const keyed *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static bool
same_class(int i, int j)
{
	ct_nb201_cell a,
				b;

	ct_nb201_from_index(i, &a, NULL);
	ct_nb201_from_index(j, &b, NULL);
	return ct_nb201_isomorphic(&a, &b);
}

/*
 * Sorts the cells by (hash of unique string, index); within a run of equal
 * hashes, a cell joins the first earlier cell of the run with the same
 * string (compared in full, so a hash collision cannot merge two classes),
 * whose index is then the smallest of the class.
 */
static void
build_classes(void)
{
	keyed	   *k = ct_malloc(sizeof(keyed) * CT_NB201_NUM_CELLS);
	int			count = 0;

	for (int i = 0; i < CT_NB201_NUM_CELLS; i++)
	{
		char		node[CT_NB201_NUM_NODES][NODE_MAX];
		ct_nb201_cell c;

		ct_nb201_from_index(i, &c, NULL);
		unique_nodes(&c, node);
		k[i].hash = fnv1a(node[CT_NB201_NUM_NODES - 1]);
		k[i].index = (uint16_t) i;
	}
	qsort(k, CT_NB201_NUM_CELLS, sizeof(keyed), keyed_cmp);
	memset(size_of_class, 0, sizeof(size_of_class));
	for (int start = 0, end; start < CT_NB201_NUM_CELLS; start = end)
	{
		for (end = start + 1; end < CT_NB201_NUM_CELLS && k[end].hash == k[start].hash; end++)
			;
		for (int x = start; x < end; x++)
		{
			int			rep = k[x].index;

			for (int y = start; y < x; y++)
				if (canon_of_index[k[y].index] == k[y].index && same_class(k[y].index, k[x].index))
				{
					rep = k[y].index;
					break;
				}
			canon_of_index[k[x].index] = (uint16_t) rep;
			if (rep == k[x].index)
				count++;
			size_of_class[rep]++;
		}
	}
	ct_free(k);
	num_classes = count;
}

static inline void
ensure_classes(void)
{
	if (num_classes == 0)
		build_classes();
}

int
ct_nb201_canonical_index(int index)
{
	if (index < 0 || index >= CT_NB201_NUM_CELLS)
		return -1;
	ensure_classes();
	return canon_of_index[index];
}

void
ct_nb201_canonical(const ct_nb201_cell *c, ct_nb201_cell *out)
{
	int			i = ct_nb201_index(c);

	if (i < 0)
		*out = *c;				/* invalid: left as it is */
	else
		ct_nb201_from_index(ct_nb201_canonical_index(i), out, NULL);
}

bool
ct_nb201_is_canonical(const ct_nb201_cell *c)
{
	int			i = ct_nb201_index(c);

	return i >= 0 && ct_nb201_canonical_index(i) == i;
}

int
ct_nb201_class_size(const ct_nb201_cell *c)
{
	int			i = ct_nb201_index(c);

	return i < 0 ? 0 : size_of_class[ct_nb201_canonical_index(i)];
}

int
ct_nb201_num_classes(void)
{
	ensure_classes();
	return num_classes;
}
