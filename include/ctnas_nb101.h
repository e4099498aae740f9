/*
 * ctnas_nb101.h
 *	  Reading benchmark records: CTNAS's nas_bench.json (a JSON list of
 *	  {matrix, ops, validation_accuracy, test_accuracy, train_accuracy,
 *	  n_params, training_time, hash_}).  The list is parsed one record at a
 *	  time, so a 423,624-record file never becomes one giant tree.
 */
#ifndef CTNAS_NB101_H
#define CTNAS_NB101_H

#include "ctnas_graph.h"

typedef struct ct_nb101_record
{
	ct_graph	graph;
	char		hash[33];		/* module hash, computed; hash_ must agree */
	double		validation_accuracy;	/* NaN when the record has none */
	double		test_accuracy;
	double		train_accuracy;
	double		training_time;
	int64_t		n_params;		/* -1 when absent */
} ct_nb101_record;

typedef struct ct_nb101_json_reader
{
	const char *pos;
	const char *end;
	long		index;			/* records read so far */
	int			state;			/* 0 before '[', 1 inside, 2 done */
} ct_nb101_json_reader;

extern void ct_nb101_json_begin(ct_nb101_json_reader *r, const char *text, size_t len);

/* 1: a record was read; 0: end of list; -1: error (err filled). */
extern int	ct_nb101_json_next(ct_nb101_json_reader *r, ct_nb101_record *rec, ct_error *err);

#endif
