/*
 * media.c - content sniffing of camera media formats.
 *
 * Only the container's own magic is read: a JPEG SOI marker, a TIFF byte
 * order mark, an ISO BMFF 'ftyp' brand, a RIFF/AVI header, an EBML header
 * or the 0x47 sync bytes of an (M2)TS stream.
 */
#include <string.h>

#include "bodycam/media.h"

static int
brand_is(const uint8_t *b, const char *prefix)
{
	return memcmp(b, prefix, strlen(prefix)) == 0;
}

static const char *
bmff_mime(const uint8_t *brand)
{
	if (brand_is(brand, "qt  "))
		return "video/quicktime";
	if (brand_is(brand, "3g2"))
		return "video/3gpp2";
	if (brand_is(brand, "3gp") || brand_is(brand, "3ge") ||
	    brand_is(brand, "3gg") || brand_is(brand, "3gs"))
		return "video/3gpp";
	if (brand_is(brand, "M4V"))
		return "video/x-m4v";
	if (brand_is(brand, "M4A"))
		return "audio/mp4";
	if (brand_is(brand, "heic") || brand_is(brand, "heix") ||
	    brand_is(brand, "mif1"))
		return "image/heic";
	return "video/mp4";
}

/* Transport stream: sync byte 0x47 every stride bytes, from offset off. */
static int
is_ts(const uint8_t *h, size_t len, size_t off, size_t stride)
{
	size_t i, n = 0;

	for (i = off; i < len; i += stride, n++)
		if (h[i] != 0x47)
			return 0;
	return n >= 3;
}

const char *
bc_media_sniff(const uint8_t *h, size_t len)
{
	uint32_t boxlen;

	if (len == 0)
		return "application/x-empty";
	if (len >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
		return "image/jpeg";
	if (len >= 4 && ((h[0] == 'I' && h[1] == 'I' && h[2] == 42 &&
	    h[3] == 0) || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 &&
	    h[3] == 42)))
		return "image/tiff";
	if (len >= 12 && memcmp(h, "RIFF", 4) == 0) {
		if (memcmp(h + 8, "AVI ", 4) == 0)
			return "video/x-msvideo";
		if (memcmp(h + 8, "WAVE", 4) == 0)
			return "audio/x-wav";
		return "application/octet-stream";
	}
	if (len >= 4 && h[0] == 0x1a && h[1] == 0x45 && h[2] == 0xdf &&
	    h[3] == 0xa3) {
		/* the DocType element says matroska or webm */
		size_t i;

		for (i = 4; i + 4 <= len && i < 64; i++)
			if (memcmp(h + i, "webm", 4) == 0)
				return "video/webm";
		return "video/x-matroska";
	}
	if (len >= 12 && memcmp(h + 4, "ftyp", 4) == 0) {
		boxlen = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
		    (uint32_t)h[2] << 8 | h[3];
		if (boxlen >= 12)
			return bmff_mime(h + 8);
	}
	/* QuickTime files that start with a classic atom and no 'ftyp' */
	if (len >= 8 && (memcmp(h + 4, "moov", 4) == 0 ||
	    memcmp(h + 4, "mdat", 4) == 0 || memcmp(h + 4, "wide", 4) == 0 ||
	    memcmp(h + 4, "free", 4) == 0 || memcmp(h + 4, "pnot", 4) == 0))
		return "video/quicktime";
	/* M2TS (192-byte packets: 4-byte timestamp + TS packet) or TS */
	if (len >= 192 * 3 && is_ts(h, len, 4, 192))
		return "video/MP2T";
	if (len >= 188 * 3 && is_ts(h, len, 0, 188))
		return "video/MP2T";
	return "application/octet-stream";
}
