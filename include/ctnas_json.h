/*
 * ctnas_json.h
 *	  JSON numbers as written.  cJSON converts every number to a double and
 *	  forgets its text, so 1e-401 reads as 0 and a 1.000...01 with enough
 *	  digits as 1.  ct_json_parse keeps each number's literal, so that a
 *	  reader can insist on an integer written as one, or on exactly 0 or 1.
 */
#ifndef CTNAS_JSON_H
#define CTNAS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/*
 * cJSON_ParseWithLengthOpts over text[0 .. len), and then every number item
 * keeps its literal in valuestring (cJSON_Delete frees it, cJSON_Duplicate
 * copies it; cJSON prints numbers from valuedouble and never reads it).
 * With require_end, text[len] must be the NUL that ends the text and
 * nothing but white space may follow the value.  NULL when the text is not
 * valid JSON; *end (if given) then points near the fault.
 */
extern struct cJSON *ct_json_parse(const char *text, size_t len, const char **end, bool require_end);

/* True if a JSON text holds the escape \u0000, which C strings cannot carry. */
extern bool ct_json_has_escaped_nul(const char *text, size_t len);

/*
 * A whole JSON text for a value of kind `what` ("archgraph"), or NULL with
 * err set: CT_ERR_SYNTAX for malformed text ("<what> is not valid JSON") and
 * for \u0000 (cJSON would cut the string there).
 */
struct ct_error;
extern struct cJSON *ct_json_parse_text(const char *text, const char *what, struct ct_error *err);

/* The literal of a number item parsed by ct_json_parse, or NULL (a number made by cJSON_CreateNumber). */
extern const char *ct_json_literal(const struct cJSON *item);

/* Whether a literal is a JSON integer: -?(0|[1-9][0-9]*), no fraction, no exponent. */
extern bool ct_json_integer_literal(const char *lit);

/*
 * An integer: a number item written as a JSON integer (no fraction, no
 * exponent: 3, not 3.0 or 3e0) within [lo, hi].  A number without a
 * literal must be a whole double within [lo, hi].
 */
extern bool ct_json_int(const struct cJSON *item, int64_t lo, int64_t hi, int64_t *out);

/*
 * A real number: a finite double, and not a literal with a nonzero digit
 * that underflowed to 0 (1e-401).
 */
extern bool ct_json_real(const struct cJSON *item, double *out);

#endif
