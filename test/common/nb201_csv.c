/*
 * nb201_csv.c
 *	  See nb201_csv.h.
 */
#include "nb201_csv.h"

#include <stdlib.h>
#include <string.h>

#include "ctnas_space.h"

#define HEADER "arch_index,arch_str,params_mb,v11_c10_test_acc_ep200_mean,v11_c10valid_valid_acc_ep200_mean,"

int
nb201_csv_read(FILE *f, ct_arch *cells, double *test, double *valid)
{
	char		line[1024];
	static bool seen[CT_NB201_NUM_CELLS];
	int			n = 0;

	memset(seen, 0, sizeof(seen));
	if (fgets(line, sizeof(line), f) == NULL || strncmp(line, HEADER, strlen(HEADER)) != 0)
		return fprintf(stderr, "nb201_csv: not the header of data/nb201.csv.gz\n"), -1;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char	   *field[5];
		char	   *p = line;
		char	   *end;
		long		index;
		ct_arch		a;
		ct_error	err;

		for (int i = 0; i < 5; i++)
		{
			field[i] = p;
			p = strchr(p, ',');
			if (p == NULL)
				return fprintf(stderr, "nb201_csv: row %d has too few fields\n", n + 1), -1;
			*p++ = '\0';
		}
		index = strtol(field[0], &end, 10);
		if (*end != '\0' || index < 0 || index >= CT_NB201_NUM_CELLS || seen[index])
			return fprintf(stderr, "nb201_csv: row %d: bad or repeated arch_index %s\n", n + 1, field[0]), -1;
		if (!ct_arch_parse(field[1], &a, &err) || a.space != CT_SPACE_NB201 ||
			ct_space_nb201.index(&a) != index)
			return fprintf(stderr, "nb201_csv: row %d: arch_str %s is not cell %ld\n", n + 1, field[1], index), -1;
		seen[index] = true;
		cells[index] = a;
		test[index] = strtod(field[3], &end);
		if (end == field[3])
			return fprintf(stderr, "nb201_csv: row %d: bad test accuracy\n", n + 1), -1;
		valid[index] = strtod(field[4], &end);
		if (end == field[4])
			return fprintf(stderr, "nb201_csv: row %d: bad validation accuracy\n", n + 1), -1;
		n++;
	}
	return n;
}
