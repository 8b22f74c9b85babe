/*
 * test_unpack - gzip and zip attachments (parse/unpack.c) and the packed
 * CSV feeds read through them (Shadowserver's NAME.csv.zip): what is
 * unpacked, and every way a hostile archive is refused with a reason.
 * The archives are made with GIO's zlib compressor (archive.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "../../parse/parse_int.h"
#include "../../parse/report.h"
#include "../../parse/unpack.h"
#include "archive.h"
#include "../../util/buf.h"
#include "../../util/mem.h"

static const char csv[] =
	"timestamp,ip,protocol,port,hostname,asn,geo\n"
	"2019-10-15 00:05:18,192.0.2.7,tcp,21,,64500,ZZ\n"
	"2019-10-15 00:06:01,198.51.100.9,tcp,21,,64500,ZZ\n";

static void test_gzip(void **state)
{
	struct buf g;
	size_t n = 0;
	enum unpack_err why = UNPACK_NOT;
	char *x;

	(void)state;
	pack_deflate(csv, sizeof(csv) - 1, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &g);
	assert_int_equal(unpack_kind(g.data, g.len), UNPACK_GZIP);
	x = unpack(g.data, g.len, 1 << 20, &n, NULL, 0, &why);
	assert_non_null(x);
	assert_int_equal(why, UNPACK_OK);
	assert_int_equal(n, sizeof(csv) - 1);
	assert_memory_equal(x, csv, n);
	free(x);
	/* bytes after the stream's end are ignored */
	buf_puts(&g, "trailing junk");
	x = unpack(g.data, g.len, 1 << 20, &n, NULL, 0, &why);
	assert_int_equal(why, UNPACK_OK);
	assert_int_equal(n, sizeof(csv) - 1);
	free(x);
	/* cut short: what came out is kept, and the reason said */
	x = unpack(g.data, 20, 1 << 20, &n, NULL, 0, &why);
	assert_int_equal(why, UNPACK_BROKEN);
	assert_true(x == NULL || memcmp(x, csv, n) == 0);
	free(x);
	assert_non_null(strstr(unpack_strerror(UNPACK_BROKEN), "cut short"));
	/* a gzip magic and nothing more */
	assert_null(unpack("\x1f\x8b\x08", 3, 1 << 20, &n, NULL, 0, &why));
	assert_int_equal(why, UNPACK_BROKEN);
	/* a flipped byte inside the stream: no crash, a reason if it shows */
	g.data[12] ^= 0x55;
	x = unpack(g.data, g.len, 1 << 20, &n, NULL, 0, &why);
	free(x);
	buf_free(&g);
}

static void test_zip(void **state)
{
	struct buf z;
	size_t n = 0;
	enum unpack_err why = UNPACK_OK;
	char name[64], *x;

	(void)state;
	for (unsigned method = 0; method <= 8; method += 8) {
		pack_zip(&z, "2019-10-15-scan_ftp-sample-asn.csv", csv, sizeof(csv) - 1, method, 0);
		assert_int_equal(unpack_kind(z.data, z.len), UNPACK_ZIP);
		x = unpack(z.data, z.len, 1 << 20, &n, name, sizeof(name), &why);
		assert_non_null(x);
		assert_string_equal(name, "2019-10-15-scan_ftp-sample-asn.csv");
		assert_int_equal(n, sizeof(csv) - 1);
		assert_memory_equal(x, csv, n);
		free(x);
		/* a name longer than the room: cut, still terminated */
		x = unpack(z.data, z.len, 1 << 20, &n, name, 8, &why);
		assert_string_equal(name, "2019-10");
		free(x);
		buf_free(&z);
	}
	/* encrypted, bzip2 (method 12), a stored member whose size runs past
	 * the data, a name past the end: each refused and said why */
	pack_zip(&z, "a.csv", csv, sizeof(csv) - 1, 8, 1);
	assert_null(unpack(z.data, z.len, 1 << 20, &n, NULL, 0, &why));
	assert_int_equal(why, UNPACK_ENCRYPTED);
	buf_free(&z);
	pack_zip(&z, "a.csv", csv, sizeof(csv) - 1, 0, 0);
	z.data[8] = 12;
	assert_null(unpack(z.data, z.len, 1 << 20, &n, NULL, 0, &why));
	assert_int_equal(why, UNPACK_METHOD);
	assert_non_null(strstr(unpack_strerror(why), "method"));
	buf_free(&z);
	/* a stored member whose data ends early: what is there, and the reason */
	pack_zip(&z, "a.csv", csv, sizeof(csv) - 1, 0, 0);
	x = unpack(z.data, z.len - 10, 1 << 20, &n, NULL, 0, &why);
	assert_int_equal(why, UNPACK_BROKEN);
	assert_int_equal(n, sizeof(csv) - 1 - 10);
	assert_memory_equal(x, csv, n);
	free(x);
	z.data[26] = (char)0xff;        /* name length 65535: past the end */
	z.data[27] = (char)0xff;
	assert_null(unpack(z.data, z.len, 1 << 20, &n, name, sizeof(name), &why));
	assert_int_equal(why, UNPACK_BROKEN);
	buf_free(&z);
	/* not an archive at all, or a header cut inside */
	assert_int_equal(unpack_kind(csv, sizeof(csv) - 1), UNPACK_NONE);
	assert_null(unpack(csv, sizeof(csv) - 1, 1 << 20, &n, NULL, 0, &why));
	assert_int_equal(why, UNPACK_NOT);
	assert_null(unpack("PK\3\4", 4, 1 << 20, &n, NULL, 0, &why));
	assert_int_equal(why, UNPACK_BROKEN);
}

static void test_bomb(void **state)
{
	size_t big = 64u << 20, n = 0;
	char *zeros = xmalloc(big);
	struct buf g, z;
	enum unpack_err why = UNPACK_OK;

	(void)state;
	memset(zeros, 0, big);
	pack_deflate(zeros, big, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &g);
	pack_zip(&z, "bomb.csv", zeros, big, 8, 0);
	free(zeros);
	assert_true(g.len < big / 500);         /* 64 MB in well under 200 KB */
	for (int k = 0; k < 2; k++) {
		char *x = unpack(k ? z.data : g.data, k ? z.len : g.len, 1 << 20, &n, NULL, 0, &why);

		assert_int_equal(why, UNPACK_CUT);      /* stopped at the cap, what came out kept */
		assert_int_equal(n, 1 << 20);
		assert_non_null(strstr(unpack_strerror(why), "cap"));
		free(x);
	}
	buf_free(&g);
	buf_free(&z);
}

/* message - a complaint with the archive a[0..n) attached as name */
static void message(struct buf *m, const char *name, const void *a, size_t n)
{
	gchar *b64 = g_base64_encode(a, n);

	buf_init(m, 0);
	buf_printf(m, "From: autoreports@shadowserver.example\nTo: abuse@example.net\n"
		   "Subject: Shadowserver report\nMessage-ID: <r1@shadowserver.example>\nMIME-Version: 1.0\n"
		   "Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
		   "--XX\nContent-Type: text/plain\n\nThe attached report lists hosts in your network.\n\n"
		   "--XX\nContent-Type: application/octet-stream; name=\"%s\"\n"
		   "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"%s\"\n\n",
		   name, name);
	for (size_t i = 0, len = strlen(b64); i < len; i += 76)
		buf_printf(m, "%.76s\n", b64 + i);
	buf_puts(m, "--XX--\n");
	g_free(b64);
}

static void test_feed_packed(void **state)
{
	struct buf z, m, wide;
	struct report r;

	(void)state;
	/* a zipped feed with no type column: the file name's report names the events */
	pack_zip(&z, "reports/2019-10-15-scan_ftp-sample-asn.csv", csv, sizeof(csv) - 1, 8, 0);
	message(&m, "2019-10-15-scan_ftp-sample-asn.csv.zip", z.data, z.len);
	report_init(&r);
	assert_int_equal(parse_message(m.data, m.len, &r), 0);
	assert_int_equal(r.format, FMT_FEED);
	assert_int_equal(r.nevents, 2);
	assert_string_equal(r.events[0].ip, "192.0.2.7");
	assert_int_equal(r.events[0].port, 21);
	assert_string_equal(r.events[0].type, "scan_ftp");
	assert_string_equal(r.events[1].ip, "198.51.100.9");
	assert_string_equal(r.source_ip, "192.0.2.7");
	report_free(&r);
	buf_free(&m);
	buf_free(&z);

	/* gzip, and a header of 70 columns (scan feeds name many) with a tag column */
	buf_init(&wide, 0);
	buf_puts(&wide, "timestamp,ip,port,tag");
	for (int i = 0; i < 66; i++)
		buf_printf(&wide, ",c%d", i);
	buf_puts(&wide, "\n2019-10-15 00:05:18,203.0.113.5,11211,memcached");
	for (int i = 0; i < 66; i++)
		buf_puts(&wide, ",x");
	buf_puts(&wide, "\n");
	pack_deflate(wide.data, wide.len, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &z);
	message(&m, "scan_memcached.csv.gz", z.data, z.len);
	report_init(&r);
	assert_int_equal(parse_message(m.data, m.len, &r), 0);
	assert_int_equal(r.format, FMT_FEED);
	assert_int_equal(r.nevents, 1);
	assert_string_equal(r.events[0].ip, "203.0.113.5");
	assert_string_equal(r.events[0].type, "memcached");
	report_free(&r);
	buf_free(&m);
	buf_free(&z);
	buf_free(&wide);

	/* a .csv.zip cut inside its first row: no feed, a warning that says
	 * why; cut after its rows: the rows that came out, and a warning */
	for (int k = 0; k < 2; k++) {
		const char *want = k ? "unpacked in part only" : "could not be unpacked";
		int found = 0;

		pack_zip(&z, "2019-10-15-scan_ftp-sample-asn.csv", csv, sizeof(csv) - 1, 0, 0);
		message(&m, "2019-10-15-scan_ftp-sample-asn.csv.zip", z.data, k ? z.len - 5 : 30 + 34);
		report_init(&r);
		assert_int_equal(parse_message(m.data, m.len, &r), 0);
		assert_int_equal(r.format == FMT_FEED, k);
		if (k)
			assert_int_equal(r.nevents, 2);
		for (size_t i = 0; i < r.warnings.n; i++)
			found |= strstr(r.warnings.v[i], want) != NULL;
		assert_true(found);
		report_free(&r);
		buf_free(&m);
		buf_free(&z);
	}

	/* an XML report zipped is not a feed */
	pack_zip(&z, "report.xml", "<?xml version=\"1.0\"?>\n<feedback><ip>192.0.2.1</ip></feedback>\n", 62, 8, 0);
	message(&m, "example.net!example.org!1!2.zip", z.data, z.len);
	report_init(&r);
	assert_int_equal(parse_message(m.data, m.len, &r), 0);
	assert_int_not_equal(r.format, FMT_FEED);
	report_free(&r);
	buf_free(&m);
	buf_free(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_feed_packed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
