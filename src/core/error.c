/*
 * error.c
 *	  Filling a ct_error (see ctnas_error.h).
 */
#include "ctnas_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool
ct_fail(ct_error *err, ct_error_kind kind, const char *message,
		const char *detail_fmt,...)
{
	va_list		ap;
	int			n;

	if (err == NULL)
		return false;
	err->kind = kind;
	snprintf(err->message, sizeof(err->message), "%s", message);
	err->detail[0] = '\0';
	if (detail_fmt != NULL)
	{
		va_start(ap, detail_fmt);
		n = vsnprintf(err->detail, sizeof(err->detail), detail_fmt, ap);
		va_end(ap);
		/* never cut silently */
		if (n >= (int) sizeof(err->detail))
			memcpy(err->detail + sizeof(err->detail) - 4, "...", 4);
	}
	return false;
}
