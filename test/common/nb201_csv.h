/*
 * nb201_csv.h
 *	  Reads data/nb201.csv.gz, decompressed (arch_index, arch_str, params_mb,
 *	  v11_c10_test_acc_ep200_mean, v11_c10valid_valid_acc_ep200_mean, ...),
 *	  for the NAS-Bench-201 benchmark tools.
 */
#ifndef CTNAS_NB201_CSV_H
#define CTNAS_NB201_CSV_H

#include <stdio.h>

#include "ctnas_arch.h"
#include "ctnas_nb201.h"

/*
 * Reads the header and every row into arrays indexed by arch_index (each
 * of CT_NB201_NUM_CELLS entries): the cell (parsed from arch_str, checked
 * against arch_index), the CIFAR-10 test accuracy and the CIFAR-10-valid
 * validation accuracy (percent).  Returns the number of rows, or -1 (with
 * a message on stderr) on a wrong header, a malformed row, an index out of
 * range or twice, or an arch_str whose index is not arch_index.
 */
extern int	nb201_csv_read(FILE *f, ct_arch *cells, double *test, double *valid);

#endif
