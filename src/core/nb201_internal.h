/*
 * nb201_internal.h
 *	  What the NAS-Bench-201 sources share and callers need not see.
 */
#ifndef CTNAS_NB201_INTERNAL_H
#define CTNAS_NB201_INTERNAL_H

#include "ctnas_nb201.h"

/* nb201_table.c (generated): the gen_all position (ct_nb201_code) of each API index */
extern const uint16_t ct_nb201_code_of_index[CT_NB201_NUM_CELLS];

#endif
