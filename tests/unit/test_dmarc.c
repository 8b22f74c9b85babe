/*
 * test_dmarc - DMARC aggregate (rua) reports: plain XML, gzip, zip (deflate
 * and stored), entities, CDATA, the namespaced and prefixed roots, the rua
 * object of the JSON form, and hostile input: broken and oversized
 * compression, 100,000 records, deep nesting, a source that is not an
 * address, bytes that are not UTF-8, XML cut or malformed midway.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gio/gio.h>

#include "../../parse/report.h"
#include "archive.h"
#include "slowdown.h"
#include "../../util/buf.h"
#include "../../util/mem.h"

#define HEAD \
	"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
#define META \
	" <report_metadata>\n" \
	"  <org_name>example.org</org_name>\n" \
	"  <email>noreply-dmarc@example.org</email>\n" \
	"  <report_id>r-4711</report_id>\n" \
	"  <date_range><begin>1710288000</begin><end>1710374399</end></date_range>\n" \
	" </report_metadata>\n" \
	" <policy_published><domain>Example.COM</domain><adkim>r</adkim><aspf>s</aspf>" \
	"<p>reject</p><sp>quarantine</sp><pct>50</pct></policy_published>\n"
#define REC(ip, n, disp, dkim, spf) \
	" <record><row><source_ip>" ip "</source_ip><count>" n "</count>" \
	"<policy_evaluated><disposition>" disp "</disposition><dkim>" dkim "</dkim><spf>" spf "</spf>" \
	"</policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>" \
	"<auth_results><spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>\n"

static const char report_xml[] = HEAD "<feedback>\n" META
	REC("192.0.2.45", "3", "none", "pass", "pass")
	REC("2001:DB8::1", "2", "reject", "fail", "fail")
	REC("::ffff:203.0.113.9", "4", "quarantine", "fail", "pass")
	"</feedback>\n";

/* zip1 - a zip archive of one member (method 0 stored, 8 deflated), a central directory's start after it */
static void zip1(const char *d, size_t n, int method, struct buf *out)
{
	pack_zip(out, "example.org!example.com!1710288000!1710374399.xml", d, n, (unsigned)method, 0);
	buf_append(out, "PK\1\2 central directory follows", 30);
}

/* message - a report mail carrying the attachment (base64) typed ctype */
static void message(const char *ctype, const char *d, size_t n, struct buf *out)
{
	gchar *b64 = g_base64_encode((const guchar *)d, n);
	size_t l = strlen(b64);

	buf_init(out, 0);
	buf_puts(out, "From: noreply-dmarc@example.org\nTo: dmarc@example.com\n"
		 "Subject: Report Domain: example.com Submitter: example.org Report-ID: r-4711\n"
		 "Message-ID: <rua@example.org>\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"BB\"\n\n"
		 "--BB\nContent-Type: text/plain\n\nAn aggregate report.\n\n--BB\n");
	buf_printf(out, "Content-Type: %s\nContent-Transfer-Encoding: base64\n"
		   "Content-Disposition: attachment; filename=\"report\"\n\n", ctype);
	for (size_t i = 0; i < l; i += 76) {
		buf_append(out, b64 + i, l - i < 76 ? l - i : 76);
		buf_putc(out, '\n');
	}
	buf_puts(out, "--BB--\n");
	g_free(b64);
}

/* parse_att - parse a message carrying d as ctype, within 2 s (scaled) */
static void parse_att(const char *ctype, const char *d, size_t n, struct report *r)
{
	struct buf m;
	clock_t t0 = clock();

	message(ctype, d, n, &m);
	report_init(r);
	assert_int_equal(parse_message(m.data, m.len, r), 0);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0 * slowdown());
	buf_free(&m);
}

static int has_warning(const struct report *r, const char *needle)
{
	for (size_t i = 0; i < r->warnings.n; i++)
		if (strstr(r->warnings.v[i], needle))
			return 1;
	return 0;
}

static void no_warnings(const struct report *r)
{
	for (size_t i = 0; i < r->warnings.n; i++)
		fprintf(stderr, "warning: %s\n", r->warnings.v[i]);
	assert_int_equal(r->warnings.n, 0);
}

/* full - every field of report_xml read */
static void full(const struct report *r)
{
	const struct rua *u = &r->rua;

	assert_int_equal(r->format, FMT_DMARC);
	assert_string_equal(r->feedback_type, "dmarc-aggregate");
	assert_true(u->present);
	assert_string_equal(u->org_name, "example.org");
	assert_string_equal(r->user_agent, "example.org");
	assert_string_equal(u->email, "noreply-dmarc@example.org");
	assert_string_equal(u->report_id, "r-4711");
	assert_int_equal(u->begin, 1710288000);
	assert_int_equal(u->end, 1710374399);
	assert_string_equal(r->arrival_date, "2024-03-13T00:00:00Z");
	assert_string_equal(u->domain, "example.com");
	assert_int_equal(r->reported_domains.n, 1);
	assert_string_equal(r->reported_domains.v[0], "example.com");
	assert_string_equal(u->p, "reject");
	assert_string_equal(u->sp, "quarantine");
	assert_int_equal(u->pct, 50);
	assert_string_equal(u->adkim, "r");
	assert_string_equal(u->aspf, "s");
	assert_int_equal(u->record_count, 3);
	assert_int_equal(r->incidents, 3);
	assert_int_equal(u->messages, 9);
	assert_int_equal(u->failing, 2);
	assert_int_equal(u->nrecords, 3);
	assert_false(u->records_truncated);
	assert_string_equal(u->records[0].source_ip, "192.0.2.45");
	assert_int_equal(u->records[0].count, 3);
	assert_string_equal(u->records[0].disposition, "none");
	assert_string_equal(u->records[1].source_ip, "2001:db8::1");
	assert_string_equal(u->records[1].dkim, "fail");
	assert_string_equal(u->records[1].spf, "fail");
	assert_string_equal(u->records[2].source_ip, "203.0.113.9");
	assert_string_equal(u->records[2].disposition, "quarantine");
	assert_string_equal(u->records[2].header_from, "example.com");
}

static void test_plain_xml(void **state)
{
	struct report r;
	struct buf j;

	(void)state;
	parse_att("text/xml", report_xml, sizeof(report_xml) - 1, &r);
	full(&r);
	no_warnings(&r);
	buf_init(&j, 0);
	report_to_json(&r, NULL, &j);
	assert_non_null(strstr(j.data, ",\"rua\":{\"org_name\":\"example.org\",\"email\":"
				 "\"noreply-dmarc@example.org\",\"report_id\":\"r-4711\","
				 "\"date_range\":{\"begin\":1710288000,\"end\":1710374399},"
				 "\"policy_published\":{\"domain\":\"example.com\",\"p\":\"reject\","
				 "\"sp\":\"quarantine\",\"pct\":50,\"adkim\":\"r\",\"aspf\":\"s\"},"
				 "\"record_count\":3,\"messages\":9,\"failing\":2,\"records\":["
				 "{\"source_ip\":\"192.0.2.45\",\"count\":3,\"disposition\":\"none\","
				 "\"dkim\":\"pass\",\"spf\":\"pass\",\"header_from\":\"example.com\"},"));
	assert_non_null(strstr(j.data, "\"records_truncated\":false}}"));
	buf_free(&j);
	report_free(&r);
}

static void test_gzip(void **state)
{
	struct report r;
	struct buf z;

	(void)state;
	pack_deflate(report_xml, sizeof(report_xml) - 1, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &z);
	parse_att("application/gzip", z.data, z.len, &r);
	full(&r);
	no_warnings(&r);
	report_free(&r);
	buf_free(&z);
}

static void test_zip(void **state)
{
	struct report r;
	struct buf z;

	(void)state;
	zip1(report_xml, sizeof(report_xml) - 1, 8, &z);
	parse_att("application/zip", z.data, z.len, &r);
	full(&r);
	no_warnings(&r);
	report_free(&r);
	buf_free(&z);
	zip1(report_xml, sizeof(report_xml) - 1, 0, &z);
	parse_att("application/x-zip-compressed", z.data, z.len, &r);
	full(&r);
	no_warnings(&r);
	report_free(&r);
	buf_free(&z);
}

/* the five entities and character references decoded; CDATA read as text */
static void test_entities_cdata(void **state)
{
	static const char x[] = HEAD "<feedback><report_metadata>"
		"<org_name>&quot;Ex&amp;mple&apos; &lt;&#65;&#x42;&gt;</org_name>"
		"<email><![CDATA[a<b>&amp;@example.org]]></email>"
		"<report_id>  spaced\n\t </report_id></report_metadata>"
		"<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record></feedback>";
	struct report r;

	(void)state;
	parse_att("text/xml", x, sizeof(x) - 1, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "\"Ex&mple' <AB>");
	assert_string_equal(r.user_agent, "\"Ex&mple' <AB>");
	assert_string_equal(r.rua.email, "a<b>&amp;@example.org");
	assert_string_equal(r.rua.report_id, "spaced");
	assert_int_equal(r.rua.record_count, 1);
	assert_null(r.rua.records[0].dkim);
	no_warnings(&r);
	report_free(&r);
}

/* the draft-2.0 namespace on the root, and a prefixed root */
static void test_namespaced(void **state)
{
	static const char a[] = HEAD "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
		"<version>1.0</version>" META REC("192.0.2.7", "5", "none", "fail", "fail") "</feedback>";
	static const char b[] = HEAD "<d:feedback xmlns:d=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
		"<d:report_metadata><d:org_name>pfx.example</d:org_name></d:report_metadata>"
		"<d:record><d:row><d:source_ip>192.0.2.8</d:source_ip><d:count>2</d:count></d:row>"
		"</d:record></d:feedback>";
	struct report r;

	(void)state;
	parse_att("application/xml", a, sizeof(a) - 1, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "example.org");
	assert_string_equal(r.rua.p, "reject");
	assert_int_equal(r.rua.messages, 5);
	assert_int_equal(r.rua.failing, 5);
	no_warnings(&r);
	report_free(&r);
	parse_att("application/xml", b, sizeof(b) - 1, &r);
	assert_string_equal(r.rua.org_name, "pfx.example");
	assert_string_equal(r.rua.records[0].source_ip, "192.0.2.8");
	assert_int_equal(r.rua.messages, 2);
	report_free(&r);
}

/* a <feedback> inside an element left open (an XML Schema wrapper) is the report */
static void test_wrapped(void **state)
{
	static const char x[] = "<?xml version=\"1.0\"?> <xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
		"<feedback>" META REC("192.0.2.45", "3", "none", "pass", "pass") "</feedback>\n";
	struct report r;

	(void)state;
	parse_att("text/xml", x, sizeof(x) - 1, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "example.org");
	assert_int_equal(r.rua.record_count, 1);
	no_warnings(&r);
	report_free(&r);
}

/* gzip cut in the middle: what came out is read, with a warning */
static void test_truncated_gzip(void **state)
{
	struct buf big, z;
	struct report r;

	(void)state;
	buf_init(&big, 0);
	buf_puts(&big, HEAD "<feedback>" META);
	for (int i = 0; i < 5000; i++)
		buf_printf(&big, " <record><row><source_ip>192.0.2.%d</source_ip><count>1</count></row></record>\n",
			   i % 250 + 1);
	buf_puts(&big, "</feedback>\n");
	pack_deflate(big.data, big.len, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &z);
	parse_att("application/gzip", z.data, z.len / 2, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "example.org");
	assert_true(r.rua.record_count > 0 && r.rua.record_count < 5000);
	assert_true(has_warning(&r, "compressed data broken or cut short"));
	assert_true(has_warning(&r, "DMARC report XML malformed"));
	report_free(&r);
	/* gzip that is not gzip past its magic: a DMARC subject keeps it a DMARC report */
	parse_att("application/gzip", "\x1f\x8b\x08\x00garbage", 12, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_true(has_warning(&r, "could not be decompressed"));
	report_free(&r);
	buf_free(&z);
	buf_free(&big);
}

/* 20 MB of NUL bytes after the report's start, compressed: cut at 16 MB */
static void test_gzip_bomb(void **state)
{
	size_t n = 20u * 1024 * 1024;
	char *d = xcalloc(n, 1);
	static const char start[] = HEAD "<feedback>" META "<record><row><source_ip>";
	struct buf z;
	struct report r;

	(void)state;
	memcpy(d, start, sizeof(start) - 1);
	pack_deflate(d, n, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &z);
	free(d);
	assert_true(z.len < 100000);
	parse_att("application/gzip", z.data, z.len, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "example.org");
	assert_true(has_warning(&r, "larger than 16 MB"));
	assert_true(has_warning(&r, "not valid UTF-8"));
	assert_int_equal(r.rua.record_count, 0);
	report_free(&r);
	buf_free(&z);
}

/* 100,000 records: all counted, 1,000 kept */
static void test_many_records(void **state)
{
	struct buf x, z, j;
	struct report r;

	(void)state;
	buf_init(&x, 0);
	buf_puts(&x, HEAD "<feedback>" META);
	for (int i = 0; i < 100000; i++)
		buf_printf(&x, "<record><row><source_ip>10.%d.%d.%d</source_ip><count>2</count>"
			   "<policy_evaluated><dkim>fail</dkim><spf>%s</spf></policy_evaluated></row></record>\n",
			   i >> 16, (i >> 8) & 255, i & 255, i % 2 ? "fail" : "pass");
	buf_puts(&x, "</feedback>\n");
	pack_deflate(x.data, x.len, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &z);
	parse_att("application/gzip", z.data, z.len, &r);
	assert_int_equal(r.rua.record_count, 100000);
	assert_int_equal(r.incidents, 100000);
	assert_int_equal(r.rua.messages, 200000);
	assert_int_equal(r.rua.failing, 100000);
	assert_int_equal(r.rua.nrecords, PARSE_MAX_RUA_RECORDS);
	assert_true(r.rua.records_truncated);
	assert_string_equal(r.rua.records[999].source_ip, "10.0.3.231");
	assert_true(has_warning(&r, "100000 records, the first 1000 kept"));
	buf_init(&j, 0);
	report_to_json(&r, NULL, &j);
	assert_non_null(strstr(j.data, "\"records_truncated\":true}"));
	buf_free(&j);
	report_free(&r);
	buf_free(&z);
	buf_free(&x);
}

/* 10,000 nested elements: refused past PARSE_MAX_XML_DEPTH, what came before kept */
static void test_deep(void **state)
{
	struct buf x;
	struct report r;

	(void)state;
	buf_init(&x, 0);
	buf_puts(&x, HEAD "<feedback>" META);
	for (int i = 0; i < 10000; i++)
		buf_puts(&x, "<record>");
	for (int i = 0; i < 10000; i++)
		buf_puts(&x, "</record>");
	buf_puts(&x, "</feedback>");
	parse_att("text/xml", x.data, x.len, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "example.org");
	assert_string_equal(r.rua.p, "reject");
	assert_true(has_warning(&r, "nested deeper than 32"));
	report_free(&r);
	buf_free(&x);
}

/* a source that is not an address is dropped (the row stays), with a warning */
static void test_bad_source(void **state)
{
	static const char x[] = HEAD "<feedback>" META
		REC("mail.example.net", "4", "none", "fail", "fail")
		REC("192.0.2.300", "1", "none", "pass", "pass")
		REC("198.51.100.7", "x", "none", "pass", "pass") "</feedback>";
	struct report r;

	(void)state;
	parse_att("text/xml", x, sizeof(x) - 1, &r);
	assert_int_equal(r.rua.record_count, 3);
	assert_null(r.rua.records[0].source_ip);
	assert_int_equal(r.rua.records[0].count, 4);
	assert_null(r.rua.records[1].source_ip);
	assert_string_equal(r.rua.records[2].source_ip, "198.51.100.7");
	assert_int_equal(r.rua.records[2].count, 0);
	assert_int_equal(r.rua.messages, 5);
	assert_int_equal(r.rua.failing, 4);
	assert_true(has_warning(&r, "2 source_ip values that are not addresses dropped"));
	assert_true(has_warning(&r, "1 records without a valid count"));
	report_free(&r);
}

/* bytes that are not UTF-8: replaced under a UTF-8 (or no) declaration, Latin-1 when declared */
static void test_not_utf8(void **state)
{
	static const char a[] = HEAD "<feedback><report_metadata><org_name>Caf\xe9\x01 \x91x\x92</org_name>"
		"</report_metadata></feedback>";
	static const char b[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><feedback><report_metadata>"
		"<org_name>Caf\xe9</org_name></report_metadata></feedback>";
	struct report r;

	(void)state;
	parse_att("text/xml", a, sizeof(a) - 1, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "Caf\xef\xbf\xbd  \xef\xbf\xbdx\xef\xbf\xbd");
	assert_true(has_warning(&r, "not valid UTF-8"));
	report_free(&r);
	parse_att("text/xml", b, sizeof(b) - 1, &r);
	assert_string_equal(r.rua.org_name, "Caf\xc3\xa9");
	no_warnings(&r);
	report_free(&r);
}

/* malformed midway or cut short: what came before is kept, with a warning */
static void test_malformed(void **state)
{
	static const char a[] = HEAD "<feedback><report_metadata><org_name>veeam.com</org_name>"
		"<email><bad-xml@bad-xml.net></email><report_id>x</report_id></report_metadata></feedback>";
	static const char b[] = HEAD "<feedback>" META "<record><row><source_ip>192.0.2.1</sou";
	static const char c[] = HEAD "<feedback><report_metadata><org_name>&nbsp;x</org_name>";
	static const char d[] = HEAD "<!DOCTYPE feedback [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
		"<feedback><report_metadata><org_name>&b;</org_name></report_metadata></feedback>";
	struct report r;

	(void)state;
	parse_att("text/xml", a, sizeof(a) - 1, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_string_equal(r.rua.org_name, "veeam.com");
	assert_null(r.rua.report_id);
	assert_true(has_warning(&r, "malformed at line 2"));
	report_free(&r);
	parse_att("text/xml", b, sizeof(b) - 1, &r);
	assert_string_equal(r.rua.report_id, "r-4711");
	assert_int_equal(r.rua.record_count, 0);
	assert_true(has_warning(&r, "malformed"));
	report_free(&r);
	parse_att("text/xml", c, sizeof(c) - 1, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_null(r.rua.org_name);
	assert_true(has_warning(&r, "malformed"));
	report_free(&r);
	/* an internal DTD's entities are not expanded */
	parse_att("text/xml", d, sizeof(d) - 1, &r);
	assert_int_equal(r.format, FMT_DMARC);
	assert_null(r.rua.org_name);
	assert_true(has_warning(&r, "malformed"));
	report_free(&r);
}

/* control characters and over-long values are made harmless and capped */
static void test_controls_caps(void **state)
{
	struct buf x;
	struct report r;

	(void)state;
	buf_init(&x, 0);
	buf_puts(&x, HEAD "<feedback><report_metadata><org_name>a\x1b[31m&#x7;b</org_name><report_id>");
	for (int i = 0; i < 10000; i++)
		buf_putc(&x, 'z');
	buf_puts(&x, "</report_id></report_metadata></feedback>");
	parse_att("text/xml", x.data, x.len, &r);
	assert_null(strchr(r.rua.org_name, '\x1b'));
	assert_null(strchr(r.rua.org_name, '\x07'));
	assert_true(strlen(r.rua.report_id) <= PARSE_MAX_FIELD);
	assert_true(strlen(r.rua.report_id) >= 4000);
	report_free(&r);
	buf_free(&x);
}

/* other mail is not touched: no rua key outside a DMARC report */
static void test_not_dmarc(void **state)
{
	static const char x[] = "<?xml version=\"1.0\"?><invoice><total>3</total></invoice>";
	struct report r;
	struct buf j;

	(void)state;
	parse_att("text/xml", x, sizeof(x) - 1, &r);
	assert_int_not_equal(r.format, FMT_DMARC);
	assert_false(r.rua.present);
	buf_init(&j, 0);
	report_to_json(&r, NULL, &j);
	assert_null(strstr(j.data, "\"rua\""));
	buf_free(&j);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_xml),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_entities_cdata),
		cmocka_unit_test(test_namespaced),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_controls_caps),
		cmocka_unit_test(test_not_dmarc),
	};
	int rc;

	parse_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	parse_shutdown();
	return rc;
}
