/*
 * text.c
 *	  Small text helpers the spaces' printers and parsers share (ctnas_text.h).
 */
#include "ctnas_text.h"

#include <stdio.h>
#include <string.h>

size_t
ct_text_put(char *buf, size_t size, size_t len, const char *s)
{
	size_t		n = strlen(s);

	if (len + n < size)
		memcpy(buf + len, s, n + 1);
	else if (len < size)
		buf[len] = '\0';		/* what does not fit is not written, never a cut token */
	return len + n;
}

void
ct_text_excerpt(const char *text, size_t len, size_t from, char *out, size_t size)
{
	size_t		o = 0;
	size_t		i;

	for (i = from; i < len && i < from + 40 && o + 5 < size; i++)
	{
		unsigned char ch = (unsigned char) text[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char) ch;
		else
			o += (size_t) snprintf(out + o, size - o, "\\x%02x", ch);
	}
	out[o] = '\0';
	if (i < len && o + 4 < size)
		memcpy(out + o, "...", 4);
}
