/*
 * unit.h
 *	  A minimal harness for the C unit tests of the pure-C core.
 */
#ifndef CTNAS_UNIT_H
#define CTNAS_UNIT_H

#include <stdio.h>
#include <string.h>

#include "ctnas_rng.h"

extern int	unit_checks;
extern int	unit_failures;

#define CHECK(cond) \
	do { \
		unit_checks++; \
		if (!(cond)) \
		{ \
			unit_failures++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

#define CHECK_STR(got, want) \
	do { \
		unit_checks++; \
		if (strcmp((got), (want)) != 0) \
		{ \
			unit_failures++; \
			fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, (got), (want)); \
		} \
	} while (0)

/* one function per file of tests, run by unit_main.c */
extern void test_md5(void);
/*
 * The parsers' edit fuzz tests: 1 to 3 random edits of text (len bytes, a
 * buffer of size): a byte replaced, inserted or deleted, new bytes drawn
 * from alphabet.  Returns the new length; text stays NUL-terminated.
 */
extern size_t random_edits(ct_rng *rng, char *text, size_t len, size_t size, const char *alphabet);

extern void test_rng(void);
extern void test_graph(void);
extern void test_graph_text(void);
extern void test_graph_random(void);
extern void test_nb101(void);
extern void test_nac(void);
extern void test_nac_memo(void);
extern void test_stats(void);
extern void test_controller(void);
extern void test_search(void);
extern void test_ctnas_search(void);
extern void test_robust(void);
extern void test_nb201(void);
extern void test_space(void);
extern void test_space_nb201(void);
extern void test_space_darts(void);
extern void test_space_ofa(void);
extern void test_ask_tell(void);
extern void test_compat_0_1_0(void);

#endif
