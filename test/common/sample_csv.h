/*
 * sample_csv.h
 *	  Reads data/nb101_sample.csv (hash, arch JSON, num_vertices,
 *	  test_acc_run0, trainable_parameters) for tests, tools and benchmarks.
 */
#ifndef CTNAS_SAMPLE_CSV_H
#define CTNAS_SAMPLE_CSV_H

#include "ctnas_graph.h"
#include "ctnas_space.h"

typedef struct sample_row
{
	char		hash[33];
	char		arch[CT_GRAPH_JSON_MAX];	/* the arch column, unquoted */
	ct_graph	graph;			/* the cell */
	ct_arch		cell;			/* the same as generic code takes it */
	double		test_acc_run0;
} sample_row;

/* Reads up to max rows; returns how many, or -1 if the file is unreadable or malformed. */
extern int	sample_csv_read(const char *path, sample_row *rows, int max);

#endif
