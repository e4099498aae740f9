/*
 * crc32.c
 *	  CRC-32 (IEEE 802.3, as zlib's crc32) for the model blob's checksum.
 */
#include "ctnas_nac.h"

uint32_t
ct_crc32(const uint8_t *buf, size_t len)
{
	static uint32_t table[256];
	static int	ready = 0;
	uint32_t	crc = 0xffffffffu;

	if (!ready)
	{
		for (uint32_t i = 0; i < 256; i++)
		{
			uint32_t	c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}
