/*
 * test_rdap - parse/rdap: the abuse contact in RFC 9083 answers (nested
 * entities, vCard arrays, hostile values, caps) and the registry in an RFC
 * 9224 bootstrap file (most specific prefix, https preferred).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../parse/rdap.h"

#define VC(email) "[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],[\"fn\",{},\"text\",\"X\"]," \
	"[\"email\",{\"type\":\"work\"},\"text\",\"" email "\"]]]"

static void read_ok(const char *json, struct rdap_info *out)
{
	char err[200] = "";

	if (rdap_read(json, strlen(json), out, err, sizeof(err)) != 0)
		fail_msg("rdap_read: %s", err);
}

static void test_nested(void **state)
{
	struct rdap_info i;

	read_ok("{\"objectClassName\":\"ip network\",\"handle\":\"NET-1\",\"name\":\"N\","
		"\"startAddress\":\"203.0.113.0\",\"endAddress\":\"203.0.113.255\",\"entities\":["
		"{\"roles\":[\"registrant\"],\"vcardArray\":" VC("org@x.example") ",\"entities\":["
		"{\"roles\":[\"technical\"],\"vcardArray\":" VC("noc@x.example") "},"
		"{\"handle\":\"AB-1\",\"roles\":[\"abuse\"],\"vcardArray\":" VC("abuse@x.example") "}]}]}", &i);
	assert_string_equal(i.email, "abuse@x.example");
	assert_string_equal(i.entity, "AB-1");
	assert_string_equal(i.network, "NET-1 (N) 203.0.113.0 - 203.0.113.255");
}

static void test_shallowest_wins(void **state)
{
	struct rdap_info i;

	read_ok("{\"entities\":[{\"roles\":[\"registrant\"],\"entities\":[{\"roles\":[\"abuse\"],"
		"\"vcardArray\":" VC("deep@x.example") "}]},{\"roles\":[\"ABUSE\"],\"vcardArray\":"
		VC("mailto:top@x.example") "}]}", &i);
	assert_string_equal(i.email, "top@x.example");
}

static void test_no_contact(void **state)
{
	struct rdap_info i;
	char err[200];
	const char *bad[] = {
		"{\"entities\":[{\"roles\":[\"technical\"],\"vcardArray\":" VC("noc@x.example") "}]}",
		"{\"entities\":[{\"roles\":[\"abuse\"],\"vcardArray\":" VC("a@b.example\\r\\nBcc: v@x.example") "}]}",
		"{\"entities\":[{\"roles\":[\"abuse\"],\"vcardArray\":" VC("no-at-sign") "}]}",
		"{\"entities\":[{\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\",\"not an array\"]}]}",
		"{\"entities\":[{\"roles\":\"abuse\",\"vcardArray\":" VC("a@x.example") "}]}",
		"{\"entities\":[{\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\",[[\"email\",{},\"text\",42]]]}]}",
		"{\"entities\":{}}",
		"{}",
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_equal(rdap_read(bad[k], strlen(bad[k]), &i, err, sizeof(err)), 0);
		if (i.email[0])
			fail_msg("case %zu: took %s", k, i.email);
	}
	assert_int_equal(rdap_read("[1,2]", 5, &i, err, sizeof(err)), -1);
	assert_int_equal(rdap_read("<html>", 6, &i, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not JSON"));
	/* deep nesting is refused before json-glib's recursive parser sees it */
	{
		size_t n = 200000;
		char *deep = malloc(n), url[200];

		assert_non_null(deep);
		memset(deep, '[', n);
		assert_int_equal(rdap_read(deep, n, &i, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "nested deeper"));
		assert_int_equal(rdap_bootstrap(deep, n, "192.0.2.1", url, sizeof(url), err, sizeof(err)), -1);
		free(deep);
	}
}

static void test_depth_cap(void **state)
{
	char json[4096];
	struct rdap_info i;
	size_t n = 0;

	/* the abuse entity RDAP_MAX_DEPTH + 1 levels down is not looked at */
	for (int d = 0; d <= RDAP_MAX_DEPTH; d++)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "{\"roles\":[\"x\"],\"entities\":[");
	n += (size_t)snprintf(json + n, sizeof(json) - n, "{\"roles\":[\"abuse\"],\"vcardArray\":" VC("deep@x.example") "}");
	for (int d = 0; d <= RDAP_MAX_DEPTH; d++)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "]}");
	read_ok(json, &i);
	assert_string_equal(i.email, "");
}

static void test_email_ok(void **state)
{
	assert_true(rdap_email_ok("abuse@example.net"));
	assert_false(rdap_email_ok("abuse@example"));
	assert_false(rdap_email_ok("a b@example.net"));
	assert_false(rdap_email_ok("a@b@example.net"));
	assert_false(rdap_email_ok("<a@example.net>"));
	assert_false(rdap_email_ok("@example.net"));
	assert_false(rdap_email_ok("a@example.net."));
	assert_false(rdap_email_ok(NULL));
}

static void test_bootstrap(void **state)
{
	const char *b = "{\"services\":[[[\"0.0.0.0/0\",\"::/0\"],[\"http://all.example/\"]],"
			"[[\"203.0.0.0/8\"],[\"http://eight.example/rdap\",\"https://eight.example/rdap\"]],"
			"[[\"203.0.113.0/24\",\"bogus\"],[\"https://twentyfour.example/\"]],"
			"[[\"2001:db8::/32\"],[\"https://six.example/\"]]]}";
	char url[200], err[200];

	assert_int_equal(rdap_bootstrap(b, strlen(b), "203.0.113.9", url, sizeof(url), err, sizeof(err)), 0);
	assert_string_equal(url, "https://twentyfour.example/");
	assert_int_equal(rdap_bootstrap(b, strlen(b), "203.0.114.9", url, sizeof(url), err, sizeof(err)), 0);
	assert_string_equal(url, "https://eight.example/rdap/");
	assert_int_equal(rdap_bootstrap(b, strlen(b), "198.18.0.1", url, sizeof(url), err, sizeof(err)), 0);
	assert_string_equal(url, "http://all.example/");
	assert_int_equal(rdap_bootstrap(b, strlen(b), "2001:db8::1", url, sizeof(url), err, sizeof(err)), 0);
	assert_string_equal(url, "https://six.example/");
	/* a URL with a blank in it is no URL: the less specific service answers */
	{
		const char *t = "{\"services\":[[[\"0.0.0.0/0\"],[\"http://all.example/\"]],"
				"[[\"203.0.113.0/24\"],[\"https://tab\\t.example/\"]],"
				"[[\"203.0.0.0/8\"],[\"https://sp ace.example/\"]]]}";

		assert_int_equal(rdap_bootstrap(t, strlen(t), "203.0.113.9", url, sizeof(url), err, sizeof(err)), 0);
		assert_string_equal(url, "http://all.example/");
	}
	assert_int_equal(rdap_bootstrap("{\"services\":[]}", 15, "192.0.2.1", url, sizeof(url), err, sizeof(err)), 1);
	assert_int_equal(rdap_bootstrap("{}", 2, "192.0.2.1", url, sizeof(url), err, sizeof(err)), -1);
	assert_int_equal(rdap_bootstrap("nope", 4, "192.0.2.1", url, sizeof(url), err, sizeof(err)), -1);
}

static void test_shipped_bootstrap(void **state)
{
	FILE *fp = fopen("data/rdap-bootstrap.json", "r");
	char body[16384], url[200], err[200];
	size_t n;

	if (fp == NULL)
		skip();
	n = fread(body, 1, sizeof(body) - 1, fp);
	fclose(fp);
	assert_int_equal(rdap_bootstrap(body, n, "193.0.6.139", url, sizeof(url), err, sizeof(err)), 0);
	assert_string_equal(url, "https://rdap.db.ripe.net/");
	assert_int_equal(rdap_bootstrap(body, n, "1.1.1.1", url, sizeof(url), err, sizeof(err)), 0);
	assert_string_equal(url, "https://rdap.apnic.net/");
	assert_int_equal(rdap_bootstrap(body, n, "192.0.2.1", url, sizeof(url), err, sizeof(err)), 0);
	assert_string_equal(url, "https://rdap.arin.net/registry/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_shallowest_wins),
		cmocka_unit_test(test_no_contact),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_email_ok),
		cmocka_unit_test(test_bootstrap),
		cmocka_unit_test(test_shipped_bootstrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
