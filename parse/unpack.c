/*
 * unpack - see unpack.h
 */
#include <stdint.h>
#include <string.h>

#include <gio/gio.h>

#include "unpack.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/str.h"

enum unpack_kind unpack_kind(const void *d, size_t n)
{
	const unsigned char *p = d;

	if (n >= 18 && p[0] == 0x1f && p[1] == 0x8b)
		return UNPACK_GZIP;
	if (n >= 30 && memcmp(p, "PK\3\4", 4) == 0)
		return UNPACK_ZIP;
	return UNPACK_NONE;
}

/* inflate_to - gzip or raw deflate data into a buffer of at most cap bytes */
static char *inflate_to(const unsigned char *d, size_t n, GZlibCompressorFormat fmt, size_t cap,
			size_t *outlen, const char **why)
{
	GConverter *z = G_CONVERTER(g_zlib_decompressor_new(fmt));
	struct buf out;
	char chunk[65536];
	size_t rd, wr;
	GConverterResult res;
	GError *err = NULL;
	char *x = NULL;

	buf_init(&out, cap);
	for (;;) {
		res = g_converter_convert(z, d, n, chunk, sizeof(chunk), G_CONVERTER_INPUT_AT_END,
					  &rd, &wr, &err);
		if (res == G_CONVERTER_ERROR) {
			*why = "damaged or cut short";
			break;
		}
		if (buf_append(&out, chunk, wr) != 0) {
			*why = "larger than the cap when inflated";
			break;
		}
		d += rd;
		n -= rd;
		if (res == G_CONVERTER_FINISHED) {
			*outlen = out.len;
			x = buf_steal(&out);
			break;
		}
		if (rd == 0 && wr == 0) {   /* no progress: input ends inside the stream */
			*why = "cut short";
			break;
		}
	}
	if (err)
		g_error_free(err);
	g_object_unref(z);
	buf_free(&out);
	return x;
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* unzip_first - the first member of a zip archive (local file header, APPNOTE 4.3.7) */
static char *unzip_first(const unsigned char *d, size_t n, size_t cap, size_t *outlen, char *name,
			 size_t namelen, const char **why)
{
	unsigned flags = le16(d + 6), method = le16(d + 8), nlen = le16(d + 26), xlen = le16(d + 28);
	uint32_t csize = le32(d + 18);
	size_t off = 30 + (size_t)nlen + xlen;

	if (off > n) {
		*why = "cut short";
		return NULL;
	}
	if (name && namelen) {
		size_t k = nlen < namelen - 1 ? nlen : namelen - 1;

		memcpy(name, d + 30, k);
		name[k] = '\0';
	}
	if (flags & 1) {
		*why = "encrypted";
		return NULL;
	}
	if (method == 8) {
		/* raw deflate ends by itself: the sizes may be in a data
		 * descriptor after it (flag bit 3) */
		return inflate_to(d + off, n - off, G_ZLIB_COMPRESSOR_FORMAT_RAW, cap, outlen, why);
	}
	if (method == 0 && !(flags & 8)) {
		char *x;

		if (csize > n - off) {
			*why = "cut short";
			return NULL;
		}
		if (csize > cap) {
			*why = "larger than the cap when inflated";
			return NULL;
		}
		x = xmalloc((size_t)csize + 1);
		memcpy(x, d + off, csize);
		x[csize] = '\0';
		*outlen = csize;
		return x;
	}
	*why = "a compression method other than stored or deflate";
	return NULL;
}

char *unpack(const void *d, size_t n, size_t cap, size_t *outlen, char *name, size_t namelen,
	     const char **why)
{
	const char *w = NULL;
	char *x = NULL;

	*outlen = 0;
	if (name && namelen)
		name[0] = '\0';
	switch (unpack_kind(d, n)) {
	case UNPACK_GZIP:
		x = inflate_to(d, n, G_ZLIB_COMPRESSOR_FORMAT_GZIP, cap, outlen, &w);
		break;
	case UNPACK_ZIP:
		x = unzip_first(d, n, cap, outlen, name, namelen, &w);
		break;
	default:
		w = "not a gzip or zip file";
	}
	if (why)
		*why = x ? NULL : w;
	return x;
}
