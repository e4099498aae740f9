/*
 * json.c
 *	  JSON numbers as written (ctnas_json.h).
 *
 * cJSON reads a number as the longest run of the characters 0-9 + - e E .
 * that starts with a digit or '-', outside strings, and the parse fails
 * unless strtod takes all of it (a ',', ']', '}' or white space must follow
 * a value).  So after a successful parse the number tokens of the text, in
 * order, are exactly the number items of the tree in document order: the
 * scan below pairs them up, and refuses the text if the counts differ.
 */
#include "ctnas_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_error.h"

static bool
number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

/* The next number token in [p, end), skipping strings; NULL when there is none. */
static const char *
next_number(const char *p, const char *end, size_t *len)
{
	while (p < end)
	{
		if (*p == '"')
		{
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;		/* the escaped character */
			if (p < end)
				p++;			/* the closing quote */
			continue;
		}
		if (*p == '-' || (*p >= '0' && *p <= '9'))
		{
			const char *q = p;

			while (q < end && number_char(*q))
				q++;
			*len = (size_t) (q - p);
			return p;
		}
		p++;
	}
	return NULL;
}

/* Gives the number items of a list of siblings (and their descendants) their literals, in document order. */
static bool
annotate(cJSON *item, const char **pos, const char *end)
{
	for (; item != NULL; item = item->next)
	{
		if (cJSON_IsNumber(item))
		{
			size_t		len;
			const char *lit = next_number(*pos, end, &len);

			if (lit == NULL || item->valuestring != NULL)
				return false;
			item->valuestring = cJSON_malloc(len + 1);
			if (item->valuestring == NULL)
				return false;
			memcpy(item->valuestring, lit, len);
			item->valuestring[len] = '\0';
			*pos = lit + len;
		}
		if (item->child != NULL && !annotate(item->child, pos, end))
			return false;
	}
	return true;
}

cJSON *
ct_json_parse(const char *text, size_t len, const char **end, bool require_end)
{
	const char *after = NULL;
	const char *pos = text;
	size_t		rest;
	cJSON	   *root;

	/* cJSON wants the NUL inside the length to see that the text ends there */
	root = cJSON_ParseWithLengthOpts(text, require_end ? len + 1 : len, &after, require_end);
	if (end != NULL)
		*end = after;
	if (root == NULL)
		return NULL;
	if (after == NULL || after < text || after > text + len + 1)
		after = text + len;
	if (!annotate(root, &pos, after) || next_number(pos, after, &rest) != NULL)
	{
		/* cannot happen for text cJSON accepted (see above); refused rather than trusted */
		cJSON_Delete(root);
		if (end != NULL)
			*end = text;
		return NULL;
	}
	return root;
}

const char *
ct_json_literal(const cJSON *item)
{
	return cJSON_IsNumber(item) ? item->valuestring : NULL;
}

bool
ct_json_integer_literal(const char *lit)
{
	const char *p = lit;

	if (*p == '-')
		p++;
	if (*p == '0')
		return p[1] == '\0';
	if (*p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0';
}

bool
ct_json_int(const cJSON *item, int64_t lo, int64_t hi, int64_t *out)
{
	const char *lit = ct_json_literal(item);
	int64_t		v = 0;

	if (!cJSON_IsNumber(item))
		return false;
	if (lit == NULL)
	{
		double		x = item->valuedouble;

		if (!(isfinite(x) && x == floor(x) && x >= (double) lo && x <= (double) hi))
			return false;
		v = (int64_t) x;
	}
	else
	{
		const char *p = lit + (*lit == '-');

		if (!ct_json_integer_literal(lit) || strlen(p) > 18)	/* 18 digits cannot overflow */
			return false;
		for (; *p; p++)
			v = v * 10 + (*p - '0');
		if (*lit == '-')
			v = -v;
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool
ct_json_real(const cJSON *item, double *out)
{
	const char *lit = ct_json_literal(item);
	double		x;

	if (!cJSON_IsNumber(item))
		return false;
	x = item->valuedouble;
	if (!isfinite(x))
		return false;
	if (x == 0 && lit != NULL)
	{
		/* a nonzero digit before the exponent, read as 0: an underflow, not a zero */
		for (const char *p = lit; *p && *p != 'e' && *p != 'E'; p++)
			if (*p >= '1' && *p <= '9')
				return false;
	}
	*out = x;
	return true;
}

/*
 * cJSON decodes \u0000 into a NUL that silently ends the C string, so that
 * "output\u0000x" would read as "output".  Such text is refused instead.
 */
bool
ct_json_has_escaped_nul(const char *text, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
	{
		if (text[i] != '\\')
			continue;
		if (text[i + 1] == 'u' && i + 5 < len && memcmp(text + i + 2, "0000", 4) == 0)
			return true;
		i++;					/* skip the escaped character, e.g. the second of \\ */
	}
	return false;
}

cJSON *
ct_json_parse_text(const char *text, const char *what, ct_error *err)
{
	const char *end = NULL;
	cJSON	   *root;
	char		message[160];

	if (ct_json_has_escaped_nul(text, strlen(text)))
	{
		snprintf(message, sizeof(message), "%s text contains an escaped NUL character", what);
		ct_fail(err, CT_ERR_SYNTAX, message, "\\u0000 is not allowed in an %s.", what);
		return NULL;
	}
	root = ct_json_parse(text, strlen(text), &end, true);
	if (root == NULL)
	{
		snprintf(message, sizeof(message), "%s is not valid JSON", what);
		ct_fail(err, CT_ERR_SYNTAX, message, "The JSON text is malformed at character %ld.",
				end != NULL && end >= text ? (long) (end - text) + 1 : 1L);
	}
	return root;
}
