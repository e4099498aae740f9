/*
 * ofa_csv.c
 *	  Reads data/ofa_mbv3_w10.csv (see ofa_csv.h).
 */
#include "ofa_csv.h"

#include <stdio.h>
#include <string.h>

#include "ctnas_space.h"

int
ofa_csv_read(const char *path, ct_arch *cells, double *acc, int max)
{
	FILE	   *f = fopen(path, "r");
	char		line[512];
	int			n = 0;

	if (f == NULL || fgets(line, sizeof(line), f) == NULL ||
		strcmp(line, "arch,top1_imagenet_val_supernet_weights,macs\n") != 0)
	{
		fprintf(stderr, "%s: not data/ofa_mbv3_w10.csv's form\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f) != NULL)
	{
		char		json[256];
		size_t		i = 1,
					j = 0;
		ct_error	err;

		/* the quoted field, "" -> " */
		while (line[0] == '"' && line[i] != '\0' && j + 1 < sizeof(json))
		{
			if (line[i] == '"' && line[i + 1] == '"')
				json[j++] = '"', i += 2;
			else if (line[i] == '"')
				break;
			else
				json[j++] = line[i++];
		}
		json[j] = '\0';
		if (line[0] != '"' || line[i] != '"' || sscanf(line + i + 1, ",%lf,", &acc[n]) != 1 ||
			!ct_arch_parse(json, &cells[n], &err))
		{
			fprintf(stderr, "%s: row %d is malformed\n", path, n + 2);
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}
