/*
 * ctnas_text.h
 *	  Small text helpers the spaces' printers and parsers share.  Pure C.
 */
#ifndef CTNAS_TEXT_H
#define CTNAS_TEXT_H

#include <stddef.h>

/*
 * Appends s to buf (size bytes) at len without overrunning it; returns the
 * new length (what it would be: a caller compares it with size).  A string
 * that does not fit is not written at all, so a cut output never ends in
 * half a token.
 */
extern size_t ct_text_put(char *buf, size_t size, size_t len, const char *s);

/*
 * A quotable excerpt of text[from .. len) for error details: at most 40
 * bytes, and "..." when cut; bytes outside printable ASCII, quotes and
 * backslashes written as \xNN.
 */
extern void ct_text_excerpt(const char *text, size_t len, size_t from, char *out, size_t size);

#endif
