/*
 * test_util - buf caps, JSON escaping, IP/CIDR, time parsing, config reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../util/buf.h"
#include "../../util/config.h"
#include "../../util/csv.h"
#include "../../util/ipaddr.h"
#include "../../util/json.h"
#include "../../util/str.h"

static void test_buf_cap(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_int_equal(buf_puts(&b, "678901"), -1);
	assert_true(b.toobig);
	assert_string_equal(b.data, "12345");
	assert_int_equal(buf_printf(&b, "%d", 42), 0);
	assert_string_equal(b.data, "1234542");
	buf_free(&b);
}

static void test_json_escape(void **state)
{
	struct buf b;
	const char in[] = "a\"b\\c\n\x01\xff\xc3\xa9";

	buf_init(&b, 0);
	json_strn(&b, in, sizeof(in) - 1);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\"");
	buf_reset(&b);
	json_str(&b, NULL);
	assert_string_equal(b.data, "null");
	buf_reset(&b);
	/* overlong encoding and surrogates are invalid */
	json_str(&b, "\xc0\xaf\xed\xa0\x80");
	assert_string_equal(b.data, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	buf_free(&b);
}

/* C1 and bidi controls: replaced by str_sanitize, escaped in JSON; other UTF-8 kept */
static void test_sanitize_c1_bidi(void **state)
{
	/* NEL, CSI (UTF-8), a stray CSI byte, RLO, LRI, PDI, LRM, ALM, then e-acute, a
	 * valid sequence with a 0x80-0x9f continuation byte (U+4E00 = e4 b8 80), NBSP */
	const char in[] = "a\xc2\x85" "b\xc2\x9b" "c\x9b" "d\xe2\x80\xae" "e\xe2\x81\xa6" "f\xe2\x81\xa9"
			  "g\xe2\x80\x8e" "h\xd8\x9c" "i\x1b\x7f" "\xc3\xa9\xe4\xb8\x80\xc2\xa0";
	char *s = str_sanitize(in, 1000);
	struct buf b;
	unsigned cp = 0;

	assert_string_equal(s, "a b c d e f g h i  \xc3\xa9\xe4\xb8\x80\xc2\xa0");
	free(s);
	assert_int_equal(str_ctl_len("\xc2\x85", 2, &cp), 2);
	assert_int_equal(cp, 0x85);
	assert_int_equal(str_ctl_len("\xe2\x80\xae", 3, &cp), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(str_ctl_len("\x9b[31m", 5, &cp), 1);
	assert_int_equal(str_ctl_len("\xe2\x80\xaf", 3, &cp), 0);   /* U+202F: a space, kept */
	assert_int_equal(str_ctl_len("\xc2\xa0", 2, &cp), 0);
	assert_int_equal(str_ctl_len("\xa0", 1, &cp), 0);              /* stray, but not C1 */
	/* the cap still holds */
	s = str_sanitize("\xc2\x85\xc2\x85xyz", 4);
	assert_string_equal(s, "  ");
	free(s);
	buf_init(&b, 0);
	json_strn(&b, in, sizeof(in) - 1);
	assert_string_equal(b.data, "\"a\\u0085b\\u009bc\\ufffdd\\u202ee\\u2066f\\u2069g\\u200eh\\u061ci"
			    "\\u001b\\u007f\xc3\xa9\xe4\xb8\x80\xc2\xa0\"");
	buf_free(&b);
}

static void test_ip(void **state)
{
	char out[46];
	struct ipaddr a, b;
	struct cidr c;

	assert_int_equal(ip_normalize("::ffff:192.0.2.1", out), 0);
	assert_string_equal(out, "192.0.2.1");
	assert_int_equal(ip_normalize("[IPv6:2001:DB8:0:0::1]", out), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(ip_normalize("192.0.2.256", out), -1);
	assert_int_equal(ip_normalize("", out), -1);
	assert_int_equal(ip_normalize("x.x.x.x", out), -1);
	assert_int_equal(ip_parse("192.0.2.1", &a), 0);
	assert_int_equal(ip_parse("::ffff:c000:201", &b), 0);
	assert_int_equal(ip_cmp(&a, &b), 0);
	assert_int_equal(cidr_parse("192.0.2.0/25", &c), 0);
	assert_true(cidr_contains(&c, &a));
	assert_int_equal(ip_parse("192.0.2.200", &b), 0);
	assert_false(cidr_contains(&c, &b));
	assert_int_equal(cidr_parse("2001:db8::/32", &c), 0);
	assert_int_equal(ip_parse("2001:db8:ffff::5", &b), 0);
	assert_true(cidr_contains(&c, &b));
	assert_false(cidr_contains(&c, &a));
	assert_int_equal(cidr_parse("192.0.2.0/33", &c), -1);
	assert_int_equal(ip_parse("100.64.1.1", &a), 0);
	assert_true(ip_is_private(&a));
	assert_int_equal(ip_parse("203.0.113.9", &a), 0);
	assert_false(ip_is_private(&a));
	assert_false(ip_is_loopback(&a));
	assert_int_equal(ip_parse("127.255.0.1", &a), 0);
	assert_true(ip_is_loopback(&a));
	assert_int_equal(ip_parse("::ffff:127.0.0.1", &a), 0);
	assert_true(ip_is_loopback(&a));
	assert_int_equal(ip_parse("::1", &a), 0);
	assert_true(ip_is_loopback(&a));
	assert_int_equal(ip_parse("::2", &a), 0);
	assert_false(ip_is_loopback(&a));
	assert_int_equal(ip_parse("128.0.0.1", &a), 0);
	assert_false(ip_is_loopback(&a));
}

static void test_cidr_range(void **state)
{
	struct cidr c;
	struct ipaddr lo, hi;
	char s[46];

	assert_int_equal(cidr_parse("198.51.100.77/26", &c), 0);
	cidr_range(&c, &lo, &hi);
	ip_format(&lo, s);
	assert_string_equal(s, "198.51.100.64");
	ip_format(&hi, s);
	assert_string_equal(s, "198.51.100.127");
}

static void test_time(void **state)
{
	time_t t;
	char s[32];
	long span;

	assert_int_equal(time_parse_rfc5322("Thu, 8 Mar 2005 14:00:00 -0500", &t), 0);
	time_rfc3339(t, s);
	assert_string_equal(s, "2005-03-08T19:00:00Z");
	assert_int_equal(time_parse_rfc5322("8 Mar 05 14:00 GMT", &t), 0);
	time_rfc3339(t, s);
	assert_string_equal(s, "2005-03-08T14:00:00Z");
	assert_int_equal(time_parse_any("2024-02-29T23:59:59+01:00", &t), 0);
	time_rfc3339(t, s);
	assert_string_equal(s, "2024-02-29T22:59:59Z");
	assert_int_equal(time_parse_rfc5322("Tue, 029 Apr 2019 23:34:45 -0800 (PST)", &t), 0);
	time_rfc3339(t, s);
	assert_string_equal(s, "2019-04-30T07:34:45Z");
	assert_int_equal(time_parse_rfc5322("Tue,  29 Apr 2019 23:34:45 +0900", &t), 0);
	time_rfc3339(t, s);
	assert_string_equal(s, "2019-04-29T14:34:45Z");
	assert_int_equal(time_parse_rfc5322("garbage", &t), -1);
	assert_int_equal(time_parse_rfc5322("1 Jan 2020 24:00", &t), -1);
	assert_int_equal(time_parse_rfc5322("99 Foo 2005 14:00", &t), -1);
	/* a four-digit year is taken as written; impossible years and zones are refused */
	assert_int_equal(time_parse_rfc5322("Mon, 01 Jan 0001 00:00:00 +0000", &t), -1);
	assert_int_equal(time_parse_rfc5322("01 Jan 0099 00:00:00 +0000", &t), -1);
	assert_int_equal(time_parse_rfc5322("Thu, 01 Jan 1970 00:00:00 -2400", &t), -1);
	assert_int_equal(time_parse_rfc5322("1 Jan 2020 10:00 +0160", &t), -1);
	assert_int_equal(time_parse_rfc5322("1 Jan 1970 00:30 +0100", &t), -1);
	assert_int_equal(time_parse_rfc5322("1 Jan 2020 10:00 XYZ", &t), 0);   /* unknown name: UTC */
	assert_int_equal(time_parse_rfc5322("1 Jan 120 10:00 +0000", &t), 0);  /* obs-year: 2020 */
	time_rfc3339(t, s);
	assert_string_equal(s, "2020-01-01T10:00:00Z");
	assert_int_equal(time_parse_any("0001-01-01 00:00:00", &t), -1);
	assert_int_equal(time_parse_any("2024-01-01T00:00:00-24:00", &t), -1);
	assert_int_equal(time_parse_any("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(time_parse_span("7d", &span), 0);
	assert_int_equal(span, 7 * 86400);
	assert_int_equal(time_parse_span("7x", &span), -1);
	assert_int_equal(time_parse_span("", &span), -1);
}

static void test_str_to_long(void **state)
{
	long v;

	assert_int_equal(str_to_long(" 42 ", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_long("42x", 0, 100, &v), -1);
	assert_int_equal(str_to_long("101", 0, 100, &v), -1);
	assert_int_equal(str_to_long("99999999999999999999999", 0, 100, &v), -1);
	assert_true(str_domain_match("mx2.Example.NET", "example.net"));
	assert_false(str_domain_match("badexample.net", "example.net"));
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/abusedesk-conf-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_config(void **state)
{
	struct config c;
	struct buf err;
	char *p;

	buf_init(&err, 4096);
	p = write_tmp("# comment\ndatabase = /tmp/x.db\nour_networks = 192.0.2.0/24,\n"
		      "  2001:db8::/32\nmax_message_size = 2M\nnotify_interval = 2h\nsyslog = no\n");
	assert_int_equal(config_load(&c, p, &err), 0);
	assert_string_equal(c.database, "/tmp/x.db");
	assert_int_equal(c.our_networks.n, 2);
	assert_int_equal(c.max_message_size, 2 * 1024 * 1024);
	assert_int_equal(c.notify_interval, 7200);
	assert_int_equal(c.syslog, 0);
	assert_string_equal(c.spool_dir, "/var/spool/abusedesk");   /* default */
	config_free(&c);
	unlink(p);
	free(p);

	p = write_tmp("database = /tmp/x.db\n\nfrobnicate = yes\n");
	buf_reset(&err);
	assert_int_equal(config_load(&c, p, &err), -1);
	assert_non_null(strstr(err.data, ":3: unknown key 'frobnicate'"));
	config_free(&c);
	unlink(p);
	free(p);

	p = write_tmp("our_networks = 192.0.2.0/24, 300.1.1.1/8\n");
	buf_reset(&err);
	assert_int_equal(config_load(&c, p, &err), -1);
	assert_non_null(strstr(err.data, ":1: bad value for our_networks"));
	config_free(&c);
	unlink(p);
	free(p);

	buf_reset(&err);
	assert_int_equal(config_load(&c, "/nonexistent/abusedesk.conf", &err), -1);
	assert_non_null(strstr(err.data, "cannot open"));
	config_free(&c);
	buf_free(&err);
}

/* test_json_plain_span - a byte is in the plain run exactly when json_str copies it as it is */
static void test_json_plain_span(void **state)
{
	struct buf b;

	buf_init(&b, 64);
	for (int c = 1; c < 256; c++) {
		char s[3] = { 'a', (char)c, '\0' };

		buf_reset(&b);
		json_str(&b, s);
		if (json_plain_span(s) == 2)
			assert_true(b.len == 4 && (unsigned char)b.data[2] == c);
		else
			assert_int_equal(json_plain_span(s), 1);
	}
	assert_int_equal(json_plain_span("ab\"c"), 2);
	buf_free(&b);
}

/* csv_all - every record of data as "f0|f1|...;" or "!reason;" */
static void csv_all(struct csv_in *c, char *out, size_t outlen)
{
	char err[128];
	int rc;

	out[0] = '\0';
	while ((rc = csv_in_next(c, err, sizeof(err))) != 0) {
		size_t k = strlen(out);

		if (rc < 0) {
			snprintf(out + k, outlen - k, "%ld!%s;", c->rec_line, err);
			continue;
		}
		snprintf(out + k, outlen - k, "%ld:", c->rec_line);
		for (size_t i = 0; i < c->n; i++) {
			k = strlen(out);
			snprintf(out + k, outlen - k, "%s%s", i ? "|" : "", c->f[i]);
		}
		k = strlen(out);
		snprintf(out + k, outlen - k, ";");
	}
}

/* test_csv_rfc4180 - quotes, doubled quotes, CRLF, line ends inside quotes, comments, from memory and a FILE */
static void test_csv_rfc4180(void **state)
{
	static const char data[] =
		"# comment\r\n"
		"a, b ,\"c,d\"\r\n"
		"\r\n"
		"\"say \"\"hi\"\"\",\"two\r\nlines\",\n"
		"last,\"x\"";
	const char *want = "2:a|b|c,d;4:say \"hi\"|two\r\nlines|;6:last|x;";
	struct csv_in c;
	char out[512];
	FILE *fp;

	csv_in_init_mem(&c, data, sizeof(data) - 1);
	csv_all(&c, out, sizeof(out));
	csv_in_free(&c);
	assert_string_equal(out, want);
	fp = fmemopen((void *)data, sizeof(data) - 1, "r");
	assert_non_null(fp);
	csv_in_init(&c, fp);
	csv_all(&c, out, sizeof(out));
	csv_in_free(&c);
	fclose(fp);
	assert_string_equal(out, want);
	/* an unterminated quote is refused */
	csv_in_init_mem(&c, "a,\"b\nc", 6);
	csv_all(&c, out, sizeof(out));
	csv_in_free(&c);
	assert_string_equal(out, "1!unterminated quoted field;");
}

/* test_csv_caps - field, record and column caps and NUL refuse one record; the next line is read */
static void test_csv_caps(void **state)
{
	struct csv_in c;
	char out[512], *big = malloc(CSV_MAX_FIELD + 64);
	size_t n;

	assert_non_null(big);
	n = (size_t)snprintf(big, 8, "x,");
	memset(big + n, 'y', CSV_MAX_FIELD + 1);
	n += CSV_MAX_FIELD + 1;
	n += (size_t)snprintf(big + n, 16, "\nok,1\n");
	csv_in_init_mem(&c, big, n);
	csv_all(&c, out, sizeof(out));
	csv_in_free(&c);
	assert_string_equal(out, "1!field longer than 4096 bytes;2:ok|1;");
	free(big);

	csv_in_init_mem(&c, "a,b,c,d\n1,2,3\n", 14);
	c.max_fields = 3;
	csv_all(&c, out, sizeof(out));
	csv_in_free(&c);
	assert_string_equal(out, "1!more than 3 fields;2:1|2|3;");

	csv_in_init_mem(&c, "0123456789\n\"01234\n56789\"\n0123,5678\n", 35);
	c.max_record = 9;
	csv_all(&c, out, sizeof(out));
	csv_in_free(&c);
	assert_string_equal(out, "1!record longer than 9 bytes;2!record longer than 9 bytes;4:0123|5678;");

	csv_in_init_mem(&c, "a,b\0c\nd\n", 8);
	c.reject_nul = 1;
	csv_all(&c, out, sizeof(out));
	csv_in_free(&c);
	assert_string_equal(out, "1!NUL byte;2:d;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_sanitize_c1_bidi),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_cidr_range),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_str_to_long),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_json_plain_span),
		cmocka_unit_test(test_csv_rfc4180),
		cmocka_unit_test(test_csv_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
