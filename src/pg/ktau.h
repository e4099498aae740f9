/*
 * ktau.h
 *	  The ranking-quality functions' setting (ktau.c).
 */
#ifndef CTNAS_KTAU_H
#define CTNAS_KTAU_H

/* Defines ctnas.ktau_max_cells (ktau.c). */
extern void ctnas_ktau_init(void);

#endif
