/*
 * unpack - see unpack.h
 */
#include <stdint.h>
#include <string.h>

#include <gio/gio.h>

#include "unpack.h"
#include "../util/buf.h"
#include "../util/mem.h"

enum unpack_kind unpack_kind(const void *d, size_t n)
{
	const unsigned char *p = d;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return UNPACK_GZIP;
	if (n >= 4 && memcmp(p, "PK\3\4", 4) == 0)
		return UNPACK_ZIP;
	return UNPACK_NONE;
}

const char *unpack_strerror(enum unpack_err err)
{
	switch (err) {
	case UNPACK_OK: return "read whole";
	case UNPACK_CUT: return "larger than the cap when inflated; cut there";
	case UNPACK_BROKEN: return "damaged or cut short";
	case UNPACK_ENCRYPTED: return "encrypted";
	case UNPACK_METHOD: return "a compression method other than stored or deflate";
	case UNPACK_NOT: return "not a gzip or zip file";
	}
	return "?";
}

/* steal - the buffer's bytes for the caller, NULL when empty */
static char *steal(struct buf *out, size_t *outlen)
{
	char *x = NULL;

	if (out->len > 0) {
		*outlen = out->len;
		x = buf_steal(out);
	}
	buf_free(out);
	return x;
}

/* inflate_to - gzip or raw deflate data into a buffer of at most cap bytes */
static char *inflate_to(const unsigned char *d, size_t n, GZlibCompressorFormat fmt, size_t cap,
			size_t *outlen, enum unpack_err *err)
{
	GConverter *z = G_CONVERTER(g_zlib_decompressor_new(fmt));
	struct buf out;
	char chunk[65536];
	size_t rd, wr;
	GConverterResult res;
	GError *ge = NULL;

	*err = UNPACK_BROKEN;
	buf_init(&out, cap);
	for (;;) {
		res = g_converter_convert(z, d, n, chunk, sizeof(chunk), G_CONVERTER_INPUT_AT_END,
					  &rd, &wr, &ge);
		if (res == G_CONVERTER_ERROR)
			break;
		if (wr > cap - out.len) {
			buf_append(&out, chunk, cap - out.len);
			*err = UNPACK_CUT;
			break;
		}
		buf_append(&out, chunk, wr);
		d += rd;
		n -= rd;
		if (res == G_CONVERTER_FINISHED) {
			*err = UNPACK_OK;   /* bytes after the stream's end are ignored */
			break;
		}
		if (rd == 0 && wr == 0)
			break;      /* no progress: the input ends inside the stream */
	}
	if (ge)
		g_error_free(ge);
	g_object_unref(z);
	return steal(&out, outlen);
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
			 size_t namelen, enum unpack_err *err)
{
	unsigned flags, method, nlen, xlen;
	uint32_t csize;
	size_t off, len;
	enum unpack_err short_data = UNPACK_OK;
	char *x;

	if (n < 30) {           /* not even a whole local header */
		*err = UNPACK_BROKEN;
		return NULL;
	}
	flags = le16(d + 6);
	method = le16(d + 8);
	csize = le32(d + 18);
	nlen = le16(d + 26);
	xlen = le16(d + 28);
	off = 30 + (size_t)nlen + xlen;
	if (name && namelen) {
		size_t k = nlen < n - 30 ? nlen : n - 30;

		k = k < namelen - 1 ? k : namelen - 1;
		memcpy(name, d + 30, k);
		name[k] = '\0';
	}
	if (off >= n) {
		*err = UNPACK_BROKEN;
		return NULL;
	}
	if (flags & 1) {
		*err = UNPACK_ENCRYPTED;
		return NULL;
	}
	len = n - off;
	/* the local header's size, unless a data descriptor after the data
	 * carries it (flag bit 3) or it is left 0: then the member runs on to
	 * the end of its stream */
	if (!(flags & 8) && csize > 0 && csize <= len)
		len = csize;
	else if (!(flags & 8) && csize > len)
		short_data = UNPACK_BROKEN;
	if (method == 8) {
		x = inflate_to(d + off, len, G_ZLIB_COMPRESSOR_FORMAT_RAW, cap, outlen, err);
		if (*err == UNPACK_OK)
			*err = short_data;
		return x;
	}
	if (method != 0) {
		*err = UNPACK_METHOD;
		return NULL;
	}
	*err = short_data;
	if (len > cap) {
		len = cap;
		*err = UNPACK_CUT;
	}
	if (len == 0)
		return NULL;
	x = xmalloc(len + 1);
	memcpy(x, d + off, len);
	x[len] = '\0';
	*outlen = len;
	return x;
}

char *unpack(const void *d, size_t n, size_t cap, size_t *outlen, char *name, size_t namelen,
	     enum unpack_err *err)
{
	*outlen = 0;
	if (name && namelen)
		name[0] = '\0';
	switch (unpack_kind(d, n)) {
	case UNPACK_GZIP:
		return inflate_to(d, n, G_ZLIB_COMPRESSOR_FORMAT_GZIP, cap, outlen, err);
	case UNPACK_ZIP:
		return unzip_first(d, n, cap, outlen, name, namelen, err);
	default:
		*err = UNPACK_NOT;
		return NULL;
	}
}
