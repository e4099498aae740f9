/*
 * darts_csv.h
 *	  Reads data/darts_sample.csv (genotype, compact, nb301_surrogate_val_acc:
 *	  NAS-Bench-301 surrogate predictions, not trained accuracies) for the
 *	  DARTS tools and tests.
 */
#ifndef CTNAS_DARTS_CSV_H
#define CTNAS_DARTS_CSV_H

#include "ctnas_arch.h"

/*
 * Reads up to max rows: the genotype (from the Genotype string) and the
 * surrogate's prediction.  Returns the number of rows, or -1 (with a
 * message on stderr) if the file is unreadable or a row is malformed.
 */
extern int	darts_csv_read(const char *path, ct_arch *cells, double *acc, int max);

#endif
