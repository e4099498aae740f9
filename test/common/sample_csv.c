/*
 * sample_csv.c
 *	  See sample_csv.h.
 */
#include "sample_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One data line: hash,"arch with "" quotes",num_vertices,test_acc_run0,params */
static int
parse_line(const char *line, sample_row *row)
{
	const char *p = line + 34;	/* hash, comma, opening quote */
	size_t		k = 0;

	if (strlen(line) < 40 || line[32] != ',' || line[33] != '"')
		return -1;
	memcpy(row->hash, line, 32);
	row->hash[32] = '\0';
	for (; *p && !(p[0] == '"' && p[1] != '"'); p++)
	{
		if (k + 1 >= sizeof(row->arch))
			return -1;
		row->arch[k++] = *p;
		if (p[0] == '"' && p[1] == '"')
			p++;
	}
	row->arch[k] = '\0';
	if (*p != '"' || p[1] != ',' || (p = strchr(p + 2, ',')) == NULL)
		return -1;
	row->test_acc_run0 = strtod(p + 1, NULL);
	if (!ct_graph_parse_json(row->arch, &row->graph, NULL))
		return -1;
	ct_nb101_arch(&row->graph, &row->cell);
	return 0;
}

int
sample_csv_read(const char *path, sample_row *rows, int max)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	int			n = 0;

	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL)
	{
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f) != NULL)
		if (parse_line(line, &rows[n++]) != 0)
		{
			fclose(f);
			return -1;
		}
	fclose(f);
	return n;
}
