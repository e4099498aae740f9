/*
 * nb101_table.c
 *	  See nb101_table.h.
 */
#include "nb101_table.h"

#include <stdlib.h>
#include <string.h>

int
nb101_table_read(FILE *f, ct_arch *cells, double *acc, int max)
{
	char		line[1024];
	int			n = 0;

	if (fgets(line, sizeof(line), f) == NULL)
		return -1;
	while (n < max && fgets(line, sizeof(line), f) != NULL)
	{
		char	   *field[5];
		char	   *p = line;
		ct_raw_graph raw;
		ct_graph	g;

		for (int i = 0; i < 5; i++)
		{
			field[i] = p;
			p = strchr(p, ',');
			if (p == NULL)
				return -1;
			*p++ = '\0';
		}
		memset(&raw, 0, sizeof(raw));
		raw.n = atoi(field[1]);
		if (raw.n < 2 || raw.n > CT_NB101_MAX_NODES || (int) strlen(field[2]) != raw.n * raw.n)
			return -1;
		for (int i = 0; i < raw.n * raw.n; i++)
			raw.adj[i / raw.n][i % raw.n] = field[2][i] == '1';
		p = field[3];
		for (int v = 0; v < raw.n; v++)
		{
			size_t		len = strcspn(p, ";");
			int			op = ct_op_from_name(p, len);

			if (op < 0)
				return -1;
			raw.ops[v] = (uint8_t) op;
			p += len + (p[len] == ';');
		}
		if (!ct_graph_from_raw(&raw, &g, NULL))
			return -1;
		ct_nb101_arch(&g, &cells[n]);
		acc[n++] = strtod(field[4], NULL);
	}
	return n;
}
