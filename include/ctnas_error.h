/*
 * ctnas_error.h
 *	  How the pure-C core reports a failure to its caller.
 *
 * The core never longjmps and never allocates on failure; it fills a
 * ct_error and returns false.  The PostgreSQL glue maps the kind to a
 * SQLSTATE, so the same validation gives the same error from text input,
 * binary input and every constructor.
 */
#ifndef CTNAS_ERROR_H
#define CTNAS_ERROR_H

#include <stdbool.h>

typedef enum ct_error_kind
{
	CT_OK = 0,
	CT_ERR_SYNTAX,				/* malformed text: 22P02 */
	CT_ERR_INVALID,				/* well-formed but not a valid cell: 22023 */
	CT_ERR_TOO_LARGE			/* beyond the space's limits: 54000 */
} ct_error_kind;

typedef struct ct_error
{
	ct_error_kind kind;
	char		message[160];	/* lower case, no final period */
	char		detail[1024];	/* a full sentence, or empty; a longer one ends in "..." */
} ct_error;

/* Fills err (if not NULL) and returns false, so callers can "return ct_fail(...)". */
extern bool ct_fail(ct_error *err, ct_error_kind kind, const char *message,
					const char *detail_fmt,...)
			__attribute__((format(printf, 4, 5)));

#endif
