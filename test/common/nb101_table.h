/*
 * nb101_table.h
 *	  Reads the full NAS-Bench-101 CSV of ../shared/data/nb101 (hash,
 *	  num_vertices, adjacency, ops, test_acc_run0, ...) for the benchmark tools.
 */
#ifndef CTNAS_NB101_TABLE_H
#define CTNAS_NB101_TABLE_H

#include <stdio.h>

#include "ctnas_graph.h"
#include "ctnas_space.h"

#define NB101_CELLS 423624

/* Reads up to max rows after the header; returns how many, or -1 on a malformed row. */
extern int	nb101_table_read(FILE *f, ct_arch *cells, double *acc, int max);

#endif
