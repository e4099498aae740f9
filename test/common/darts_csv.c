/*
 * darts_csv.c
 *	  See darts_csv.h.
 */
#include "darts_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctnas_space.h"

int
darts_csv_read(const char *path, ct_arch *cells, double *acc, int max)
{
	FILE	   *f = fopen(path, "r");
	char		line[2048];
	int			n = 0;

	if (f == NULL)
		return fprintf(stderr, "cannot open %s\n", path), -1;
	if (fgets(line, sizeof(line), f) == NULL || strncmp(line, "genotype,compact,nb301_surrogate_val_acc", 40) != 0)
	{
		fclose(f);
		return fprintf(stderr, "%s: not the header of a DARTS sample\n", path), -1;
	}
	while (n < max && fgets(line, sizeof(line), f) != NULL)
	{
		/* "Genotype(...)","(((...)))",acc */
		char	   *g_end = strstr(line, "\",\"");
		char	   *c_end = g_end ? strstr(g_end + 3, "\",") : NULL;
		char	   *end;
		ct_error	err;

		if (line[0] != '"' || c_end == NULL)
		{
			fclose(f);
			return fprintf(stderr, "%s: malformed row %d\n", path, n + 1), -1;
		}
		*g_end = '\0';
		if (!ct_arch_parse(line + 1, &cells[n], &err))
		{
			fclose(f);
			return fprintf(stderr, "%s: row %d: %s\n", path, n + 1, err.message), -1;
		}
		acc[n] = strtod(c_end + 2, &end);
		if (end == c_end + 2)
		{
			fclose(f);
			return fprintf(stderr, "%s: row %d: no accuracy\n", path, n + 1), -1;
		}
		n++;
	}
	fclose(f);
	return n;
}
