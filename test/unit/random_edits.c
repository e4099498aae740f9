/*
 * random_edits.c
 *	  The random text edits of the parsers' edit fuzz tests (NB201, DARTS,
 *	  OFA): see unit.h.
 */
#include "unit.h"

#include <string.h>

size_t
random_edits(ct_rng *rng, char *text, size_t len, size_t size, const char *alphabet)
{
	int			edits = 1 + (int) ct_rng_below(rng, 3);
	uint32_t	nalpha = (uint32_t) strlen(alphabet);

	for (int k = 0; k < edits; k++)
	{
		size_t		at = ct_rng_below(rng, (uint32_t) len + 1);
		char		ch = alphabet[ct_rng_below(rng, nalpha)];
		int			kind = (int) ct_rng_below(rng, 3);

		if (kind == 0 && at < len)
			text[at] = ch;
		else if (kind == 1 && len + 1 < size)
		{
			memmove(text + at + 1, text + at, len - at + 1);
			text[at] = ch;
			len++;
		}
		else if (at < len)
		{
			memmove(text + at, text + at + 1, len - at);
			len--;
		}
		text[len] = '\0';
	}
	return len;
}
