/*
 * ofa_csv.h
 *	  Reads data/ofa_mbv3_w10.csv (arch, top1_imagenet_val_supernet_weights,
 *	  macs: ImageNet-val top-1 of OFA subnets with inherited supernet
 *	  weights, no fine-tuning) for the OFA tools and tests.
 */
#ifndef CTNAS_OFA_CSV_H
#define CTNAS_OFA_CSV_H

#include "ctnas_arch.h"

/*
 * Reads up to max rows: the network (from its CSV-quoted JSON) and its
 * top-1.  Returns the number of rows, or -1 (with a message on stderr) if
 * the file is unreadable or a row is malformed.
 */
extern int	ofa_csv_read(const char *path, ct_arch *cells, double *acc, int max);

#endif
