/*
 * archive.h - the gzip, raw deflate and one-member zip files the unit tests
 * of the unpacking readers feed them, made with GIO's zlib compressor (the
 * one the readers inflate with). Header-only, for tests.
 */
#ifndef AD_TEST_ARCHIVE_H
#define AD_TEST_ARCHIVE_H

#include <stdint.h>
#include <string.h>

#include <gio/gio.h>

#include "../../util/buf.h"

/* pack_deflate - d[0..n) compressed as fmt (gzip or raw deflate) into out */
static inline void pack_deflate(const void *d, size_t n, GZlibCompressorFormat fmt, struct buf *out)
{
	GConverter *z = G_CONVERTER(g_zlib_compressor_new(fmt, 6));
	char chunk[65536];
	size_t rd, wr;
	GConverterResult res;

	buf_init(out, 0);
	do {
		res = g_converter_convert(z, d, n, chunk, sizeof(chunk), G_CONVERTER_INPUT_AT_END, &rd, &wr, NULL);
		assert_int_not_equal(res, G_CONVERTER_ERROR);
		assert_int_equal(buf_append(out, chunk, wr), 0);
		d = (const char *)d + rd;
		n -= rd;
	} while (res != G_CONVERTER_FINISHED);
	g_object_unref(z);
}

/* pack_le - the little-endian bytes of v */
static inline void pack_le(struct buf *b, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		buf_putc(b, (int)((v >> (8 * i)) & 0xff));
}

/* pack_zip - a zip archive's first member (local header, as APPNOTE 4.3.7,
 * and data) of d[0..n) named name, stored (method 0) or deflated (8), with
 * the flags given; the crc is left 0 (a reader of the first member does
 * not check it) */
static inline void pack_zip(struct buf *out, const char *name, const void *d, size_t n, unsigned method,
			    unsigned flags)
{
	struct buf data;

	if (method == 8)
		pack_deflate(d, n, G_ZLIB_COMPRESSOR_FORMAT_RAW, &data);
	else {
		buf_init(&data, 0);
		buf_append(&data, d, n);
	}
	buf_init(out, 0);
	buf_append(out, "PK\3\4", 4);
	pack_le(out, 20, 2);            /* version */
	pack_le(out, flags, 2);
	pack_le(out, method, 2);
	pack_le(out, 0, 4);             /* time, date */
	pack_le(out, 0, 4);             /* crc */
	pack_le(out, (uint32_t)data.len, 4);
	pack_le(out, (uint32_t)n, 4);
	pack_le(out, (uint32_t)strlen(name), 2);
	pack_le(out, 0, 2);
	buf_puts(out, name);
	buf_append(out, data.data, data.len);
	buf_free(&data);
}

#endif
