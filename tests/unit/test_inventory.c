/*
 * test_inventory - inventory CSV import (errors, rollback, upsert), most
 * specific network lookup for IPv4 and IPv6, mail log parsing and import,
 * NAT record lookup, the trace_env callbacks backed by the database, and
 * the CSV inventory file read through util/csv.
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

#include "../../db/db_int.h"
#include "../../app/inventory_import.h"
#include "../../app/records.h"
#include "../../app/trace_env.h"
#include "../../correlate/inventory/inventory_csv.h"
#include "../../correlate/logs/maillog_parse.h"
#include "../../db/inventory.h"
#include "../../db/maillog.h"
#include "../../db/natlog.h"
#include "slowdown.h"

static const char owners_csv[] =
	"key,name,email,webhook_url,policy,digest\n"
	"mail-team,Mail team,mail@example.net,,immediate,yes\n"
	"# a comment\n"
	"\n"
	"hosting,\"Hosting, Inc.\",noc@example.net,https://hooks.example.net/abuse,digest,no\n"
	"access,Access network,access@example.net,,none,\n";
static const char networks_csv[] =
	"cidr,owner,role\n"
	"192.0.2.0/24,hosting,server\n"
	"192.0.2.128/25,access,customer\n"
	"192.0.2.192/28,mail-team,mta\n"
	"2001:db8::/32,hosting,server\n"
	"2001:db8:100::/48,access,dynamic\n";
static const char hosts_csv[] =
	"name,ips,role,owner\n"
	"MX2.example.net,192.0.2.25 2001:db8::25,mta,mail-team\n"
	"proxy1.example.net,192.0.2.230,proxy,\n";

/* db_mem - a migrated in-memory database */
static void db_mem(struct db *d)
{
	char err[256];

	assert_int_equal(db_open(d, ":memory:", 1, 1, err, sizeof(err)), DB_OK);
	assert_int_equal(db_migrate(d, err, sizeof(err)), DB_OK);
}

/* import_str - run inventory_import over a string; errors into errs */
static int import_str(struct db *d, const char *kind, const char *csv, char *errs, size_t elen, long *rows)
{
	FILE *in = fmemopen((void *)csv, strlen(csv), "r");
	FILE *err = fmemopen(errs, elen, "w");
	int rc;

	assert_non_null(in);
	assert_non_null(err);
	memset(errs, 0, elen);
	rc = inventory_import(d, kind, in, "t.csv", err, rows);
	fclose(in);
	fclose(err);
	return rc;
}

static long count(struct db *d, const char *sql)
{
	struct db_stmt *st = db_prepare(d, sql);
	long n = -1;

	if (db_step(d, st) == DB_ROW)
		n = (int)db_col_int(st, 0);
	db_finalize(st);
	return n;
}

static void load_all(struct db *d)
{
	char errs[1024];
	long rows;

	assert_int_equal(import_str(d, "owners", owners_csv, errs, sizeof(errs), &rows), 0);
	assert_int_equal(rows, 3);
	assert_int_equal(import_str(d, "networks", networks_csv, errs, sizeof(errs), &rows), 0);
	assert_int_equal(rows, 5);
	assert_int_equal(import_str(d, "hosts", hosts_csv, errs, sizeof(errs), &rows), 0);
	assert_int_equal(rows, 2);
}

static void look(struct db *d, const char *ip, struct inv_entry *e)
{
	struct ipaddr a;

	assert_int_equal(ip_parse(ip, &a), 0);
	assert_int_equal(app_inventory_lookup(d, &a, e), DB_OK);
}

static void test_lookup_most_specific(void **state)
{
	struct db d;
	struct inv_entry e;

	db_mem(&d);
	load_all(&d);
	look(&d, "192.0.2.10", &e);
	assert_true(e.found);
	assert_string_equal(e.network, "192.0.2.0/24");
	assert_string_equal(e.owner, "hosting");
	assert_int_equal(e.role, ROLE_SERVER);
	look(&d, "192.0.2.130", &e);
	assert_string_equal(e.network, "192.0.2.128/25");
	assert_int_equal(e.role, ROLE_CUSTOMER);
	look(&d, "192.0.2.195", &e);
	assert_string_equal(e.network, "192.0.2.192/28");
	assert_string_equal(e.owner, "mail-team");
	look(&d, "192.0.2.25", &e);            /* host wins: name, role, owner */
	assert_string_equal(e.host, "mx2.example.net");
	assert_int_equal(e.role, ROLE_MTA);
	assert_string_equal(e.owner, "mail-team");
	assert_string_equal(e.network, "192.0.2.0/24");
	look(&d, "192.0.2.230", &e);           /* host without owner: network's owner */
	assert_string_equal(e.host, "proxy1.example.net");
	assert_int_equal(e.role, ROLE_PROXY);
	assert_string_equal(e.owner, "access");
	look(&d, "2001:db8:100:5::1", &e);
	assert_string_equal(e.network, "2001:db8:100::/48");
	assert_int_equal(e.role, ROLE_DYNAMIC);
	look(&d, "2001:db8:200::1", &e);
	assert_string_equal(e.network, "2001:db8::/32");
	look(&d, "2001:DB8::25", &e);
	assert_string_equal(e.host, "mx2.example.net");
	look(&d, "::ffff:192.0.2.131", &e);
	assert_string_equal(e.network, "192.0.2.128/25");
	look(&d, "198.51.100.1", &e);
	assert_false(e.found);
	look(&d, "2001:db9::1", &e);
	assert_false(e.found);
	db_close(&d);
}

static void test_import_idempotent(void **state)
{
	struct db d;

	db_mem(&d);
	load_all(&d);
	load_all(&d);
	assert_int_equal(count(&d, "SELECT count(*) FROM owners"), 3);
	assert_int_equal(count(&d, "SELECT count(*) FROM networks"), 5);
	assert_int_equal(count(&d, "SELECT count(*) FROM hosts"), 2);
	assert_int_equal(count(&d, "SELECT count(*) FROM host_ips"), 3);
	assert_int_equal(count(&d, "SELECT digest FROM owners WHERE key='mail-team'"), 1);
	assert_int_equal(count(&d, "SELECT count(*) FROM owners WHERE name='Hosting, Inc.'"), 1);
	db_close(&d);
}

static void test_import_errors_rollback(void **state)
{
	static const char bad_nets[] =
		"cidr,owner,role\n"
		"198.51.100.0/24,hosting,server\n"
		"198.51.100.300/24,hosting,server\n"
		"198.51.100.5/24,hosting,server\n"
		"203.0.113.0/24,nobody,server\n"
		"203.0.113.0/25,hosting,toaster\n";
	static const char bad_owner[] = "key,name,email,webhook_url,policy,digest\n"
		"x,X,not-an-address,,immediate,no\n"
		"y,Y,y@example.net,ftp://x,sometimes,maybe\n";
	struct db d;
	char errs[2048];
	long rows = 7;

	db_mem(&d);
	load_all(&d);
	assert_int_equal(import_str(&d, "networks", bad_nets, errs, sizeof(errs), &rows), 65);
	assert_int_equal(rows, 0);
	assert_non_null(strstr(errs, "t.csv:3: bad network '198.51.100.300/24'"));
	assert_non_null(strstr(errs, "t.csv:4: host bits set"));
	assert_non_null(strstr(errs, "t.csv:5: unknown owner"));
	assert_non_null(strstr(errs, "t.csv:6: unknown role 'toaster'"));
	assert_null(strstr(errs, "t.csv:2:"));
	/* the good row 2 was rolled back with the rest */
	assert_int_equal(count(&d, "SELECT count(*) FROM networks"), 5);
	assert_int_equal(import_str(&d, "owners", bad_owner, errs, sizeof(errs), &rows), 65);
	assert_non_null(strstr(errs, "t.csv:2: bad email address"));
	assert_non_null(strstr(errs, "t.csv:3: bad webhook URL"));
	assert_int_equal(count(&d, "SELECT count(*) FROM owners"), 3);
	assert_int_equal(import_str(&d, "hosts", "a.example.net,,mta\n", errs, sizeof(errs), &rows), 65);
	assert_non_null(strstr(errs, "t.csv:1: no address"));
	assert_int_equal(import_str(&d, "hosts", "name,ips,colour\n", errs, sizeof(errs), &rows), 65);
	assert_non_null(strstr(errs, "unknown column 'colour'"));
	assert_int_equal(import_str(&d, "hosts", "b.example.net,\"192.0.2.1\n", errs, sizeof(errs), &rows), 65);
	assert_int_equal(import_str(&d, "printers", "x\n", errs, sizeof(errs), &rows), 64);
	db_close(&d);
}

/* test_lookup_many - 20,000 networks of mixed lengths; the /32 inside wins */
static void test_lookup_many(void **state)
{
	struct db d;
	struct inv_entry e;
	struct cidr c;
	char net[64];
	clock_t t0;

	db_mem(&d);
	assert_int_equal(db_begin(&d), DB_OK);
	for (int i = 0; i < 20000; i++) {
		snprintf(net, sizeof(net), "10.%d.%d.0/24", i / 256, i % 256);
		assert_int_equal(cidr_parse(net, &c), 0);
		assert_int_equal(inventory_put_network(&d, &c, NULL, "customer", NULL), DB_OK);
	}
	cidr_parse("10.0.0.0/8", &c);
	inventory_put_network(&d, &c, NULL, "server", NULL);
	cidr_parse("10.70.7.9/32", &c);
	inventory_put_network(&d, &c, NULL, "proxy", NULL);
	assert_int_equal(db_commit(&d), DB_OK);
	t0 = clock();
	for (int i = 0; i < 1000; i++)
		look(&d, "10.70.7.9", &e);
	assert_string_equal(e.network, "10.70.7.9/32");
	assert_int_equal(e.role, ROLE_PROXY);
	look(&d, "10.70.7.10", &e);
	assert_string_equal(e.network, "10.70.7.0/24");
	look(&d, "10.200.0.1", &e);
	assert_string_equal(e.network, "10.0.0.0/8");
	/* 1000 lookups well under a second: each is a few index seeks (not timed under valgrind) */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0 * slowdown());
	db_close(&d);
}

#define PX_TEST_PROBES (DB_MAX_PARAMS / 2)   /* db/inventory.c's PX_PROBES */

/* test_lookup_prefixes - a batch's lookup (the prefix lengths read once, the
 * probes of an address in one statement, PX_PROBES of them at a time) finds
 * the network the walk finds, for nested networks of 48 prefix lengths */
static void test_lookup_prefixes(void **state)
{
	struct db d;
	struct db_inv_prefixes px;
	struct db_inv_entry a, b;
	struct ipaddr ip;
	struct cidr c;
	char net[64], addr[64];
	int nets = 0, seen[129] = { 0 };

	(void)state;
	db_mem(&d);
	assert_int_equal(db_begin(&d), DB_OK);
	/* 10.0.0.0/8 .. 10.128.0.0/32 nested, every other length; IPv6 /16 .. /128 every fourth */
	for (int p = 8; p <= 32; p += 2) {
		nets += !seen[96 + p]++;   /* an IPv4 length is stored as the mapped one, 96 more */
		snprintf(net, sizeof(net), "10.128.0.0/%d", p);
		assert_int_equal(cidr_parse(net, &c), 0);
		assert_int_equal(inventory_put_network(&d, &c, p % 4 ? "odd" : "even", "customer", NULL), DB_OK);
	}
	for (int p = 16; p <= 128; p += 4) {
		nets += !seen[p]++;
		snprintf(net, sizeof(net), "2001:db8::/%d", p);
		assert_int_equal(cidr_parse(net, &c), 0);
		assert_int_equal(inventory_put_network(&d, &c, NULL, "server", NULL), DB_OK);
	}
	assert_int_equal(inventory_prefixes(&d, &px), DB_OK);
	assert_true(nets > PX_TEST_PROBES);
	assert_int_equal(px.n, nets);   /* each length once, */
	for (int i = 1; i < px.n; i++)
		assert_true(px.p[i - 1] > px.p[i]);   /* the longest first */
	for (int i = 0; i < 400; i++) {
		/* addresses at every depth of the nesting, and outside it */
		if (i % 2)
			snprintf(addr, sizeof(addr), "10.%d.%d.%d", 128 + (i % 3 == 0), (i * 7) % (i % 5 ? 1 : 256),
				 i % 4 ? i % 256 : 0);
		else
			snprintf(addr, sizeof(addr), "2001:db8:%x::%x", (i % 6 ? 0 : i * 13) & 0xffff, i % 3 ? i : 0);
		assert_int_equal(ip_parse(addr, &ip), 0);
		assert_int_equal(inventory_find(&d, &ip, &a), DB_OK);
		assert_int_equal(inventory_find_px(&d, &ip, &px, &b), DB_OK);
		assert_int_equal(a.found, b.found);
		assert_string_equal(a.network, b.network);
		assert_string_equal(a.owner, b.owner);
		assert_string_equal(a.net_role, b.net_role);
	}
	assert_int_equal(ip_parse("10.128.0.0", &ip), 0);
	assert_int_equal(inventory_find_px(&d, &ip, &px, &b), DB_OK);
	assert_string_equal(b.network, "10.128.0.0/32");
	assert_int_equal(ip_parse("10.200.0.1", &ip), 0);
	assert_int_equal(inventory_find_px(&d, &ip, &px, &b), DB_OK);
	assert_string_equal(b.network, "10.0.0.0/8");
	assert_string_equal(b.owner, "even");
	assert_int_equal(ip_parse("192.0.2.1", &ip), 0);
	assert_int_equal(inventory_find_px(&d, &ip, &px, &b), DB_OK);
	assert_int_equal(b.found, 0);
	assert_int_equal(db_commit(&d), DB_OK);
	db_close(&d);
}

static const char postfix_log[] =
	"Mar  3 10:15:01 mx2 postfix/smtpd[2211]: connect from unknown[203.0.113.45]\n"
	"Mar  3 10:15:02 mx2 postfix/smtpd[2211]: 4TqR3k1XyzA: client=unknown[203.0.113.45]\n"
	"Mar  3 10:15:02 mx2 postfix/cleanup[2214]: 4TqR3k1XyzA: message-id=<spam-1001@spammer.example>\n"
	"Mar  3 10:15:02 mx2 postfix/qmgr[1020]: 4TqR3k1XyzA: from=<offers@spammer.example>, size=2450, nrcpt=1 (queue active)\n"
	"Mar  3 10:15:03 mx2 postfix/smtp[2216]: 4TqR3k1XyzA: to=<victim@remote.example>, relay=mx.remote.example[198.18.0.25]:25, delay=1.2, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n"
	"Mar  3 10:15:03 mx2 postfix/qmgr[1020]: 4TqR3k1XyzA: removed\n"
	"Mar  3 11:20:11 smtp1 postfix/submission/smtpd[3301]: 7BC12D40F3: client=dsl-77.example.net[::ffff:198.51.100.77], sasl_method=LOGIN, sasl_username=alice@example.net\n"
	"Mar  3 11:20:11 smtp1 postfix/cleanup[3305]: 7BC12D40F3: message-id=<m2@smtp1.example.net>\n"
	"Mar  3 11:21:00 smtp1 postfix/smtpd[3310]: NOQUEUE: reject: RCPT from unknown[203.0.113.99]: 554 5.7.1 Relay access denied\n";

/* march_2024 - a fixed "now": 2024-03-10 12:00:00 UTC */
#define MARCH_2024 1710072000LL

static void test_maillog_parse_postfix(void **state)
{
	struct maillog_rec r;
	char line[512];

	snprintf(line, sizeof(line), "Mar  3 11:20:11 smtp1 postfix/submission/smtpd[3301]: 7BC12D40F3: "
		 "client=dsl-77.example.net[::ffff:198.51.100.77], sasl_method=LOGIN, sasl_username=alice@example.net");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_string_equal(r.host, "smtp1");
	assert_string_equal(r.queue_id, "7BC12D40F3");
	assert_string_equal(r.client_name, "dsl-77.example.net");
	assert_string_equal(r.client_ip, "198.51.100.77");
	assert_string_equal(r.sasl_user, "alice@example.net");
	assert_int_equal(r.at, 1709464811LL);   /* 2024-03-03 11:20:11 UTC */
	snprintf(line, sizeof(line), "Mar  3 10:15:03 mx2 postfix/smtp[2216]: 4TqR3k1XyzA: to=<victim@remote.example>,"
		 " orig_to=<x@y>, relay=mx.remote.example[198.18.0.25]:25, delay=1.2, status=sent (250 ok)");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_string_equal(r.recipient, "victim@remote.example");
	assert_string_equal(r.relay, "mx.remote.example[198.18.0.25]:25");
	assert_string_equal(r.status, "sent");
	snprintf(line, sizeof(line), "Mar  3 10:15:02 mx2 postfix/cleanup[2214]: 4TqR3k1XyzA: message-id=<spam-1001@spammer.example>");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_string_equal(r.message_id, "spam-1001@spammer.example");
	snprintf(line, sizeof(line), "Mar  3 10:15:02 mx2 postfix/qmgr[1020]: 4TqR3k1XyzA: from=<offers@spammer.example>, size=2450, nrcpt=1 (queue active)");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_string_equal(r.sender, "offers@spammer.example");
	/* not records */
	snprintf(line, sizeof(line), "Mar  3 10:15:01 mx2 postfix/smtpd[2211]: connect from unknown[203.0.113.45]");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 0);
	snprintf(line, sizeof(line), "Mar  3 10:15:03 mx2 postfix/qmgr[1020]: 4TqR3k1XyzA: removed");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 0);
	snprintf(line, sizeof(line), "Mar  3 11:21:00 smtp1 postfix/smtpd[3310]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 0);
	snprintf(line, sizeof(line), "Mar  3 11:21:00 smtp1 sshd[3310]: ABCDEF1234: client=x[1.2.3.4]");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 0);
	assert_int_equal(maillog_parse_line("garbage", 7, MARCH_2024, &r), 0);
	assert_int_equal(maillog_parse_line("", 0, MARCH_2024, &r), 0);
	/* no year: December seen in early January is last year */
	snprintf(line, sizeof(line), "Dec 31 23:59:00 mx2 postfix/smtpd[1]: ABCDEF1234: client=x[192.0.2.1]");
	assert_int_equal(maillog_parse_line(line, strlen(line), 1704153600LL /* 2024-01-02 */, &r), 1);
	assert_int_equal(r.at, 1704067140LL);   /* 2023-12-31 23:59:00 UTC */
	/* RFC 3339 syslog stamp */
	snprintf(line, sizeof(line), "2024-03-03T11:20:11.123456+01:00 smtp1 postfix/smtpd[1]: ABCDEF1234: client=x[192.0.2.1]");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_int_equal(r.at, 1709461211LL);
	assert_int_equal(r.client_port, 0);   /* no port logged */
	/* smtpd_client_port_logging = yes: client=NAME[IP]:PORT */
	snprintf(line, sizeof(line), "Mar  3 10:15:01 mx2 postfix/smtpd[2211]: 4TqR3k1XyzB: client=nat1.example.net[192.0.2.1]:40123");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_string_equal(r.client_ip, "192.0.2.1");
	assert_string_equal(r.client_name, "nat1.example.net");
	assert_int_equal(r.client_port, 40123);
	snprintf(line, sizeof(line), "Mar  3 10:15:01 mx2 postfix/smtpd[2211]: 4TqR3k1XyzB: client=x[2001:db8::5]:2525, sasl_method=PLAIN, sasl_username=u");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_string_equal(r.client_ip, "2001:db8::5");
	assert_int_equal(r.client_port, 2525);
	assert_string_equal(r.sasl_user, "u");
	/* hostile ports are no port; the address still counts */
	const char *bad[] = { "]:0", "]:65536", "]:99999999999", "]:-1", "]:", "]:12a" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "Mar  3 10:15:01 mx2 postfix/smtpd[2211]: 4TqR3k1XyzB: client=x[192.0.2.1%s", bad[i]);
		assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
		assert_string_equal(r.client_ip, "192.0.2.1");
		if (r.client_port != 0)
			fail_msg("%s: port %d", bad[i], r.client_port);
	}
	/* the relay's port is not the client's */
	snprintf(line, sizeof(line), "Mar  3 10:15:03 mx2 postfix/smtp[2216]: 4TqR3k1XyzA: to=<v@r.example>, relay=mx.r.example[198.18.0.25]:25, status=sent (250 ok)");
	assert_int_equal(maillog_parse_line(line, strlen(line), MARCH_2024, &r), 1);
	assert_int_equal(r.client_port, 0);
}

static void test_maillog_parse_exim(void **state)
{
	struct maillog_rec r;
	const char *l1 = "2024-03-03 12:01:05 1rgXyZ-000Abc-Q1 <= promo@bulk.example H=(win-pc) [198.51.100.140]:51234"
			 " P=esmtpa A=dovecot_login:bob@example.net S=3012 id=promo-77@bulk.example";
	const char *l2 = "2024-03-03 12:01:06 1rgXyZ-000Abc-Q1 => target@remote.example R=dnslookup T=remote_smtp"
			 " H=mx.remote.example [198.18.0.25] C=\"250 OK\"";

	assert_int_equal(maillog_parse_line(l1, strlen(l1), MARCH_2024, &r), 1);
	assert_string_equal(r.queue_id, "1rgXyZ-000Abc-Q1");
	assert_string_equal(r.sender, "promo@bulk.example");
	assert_string_equal(r.client_ip, "198.51.100.140");
	assert_int_equal(r.client_port, 51234);
	assert_string_equal(r.client_name, "");
	assert_string_equal(r.sasl_user, "bob@example.net");
	assert_string_equal(r.message_id, "promo-77@bulk.example");
	assert_int_equal(maillog_parse_line(l2, strlen(l2), MARCH_2024, &r), 1);
	assert_string_equal(r.recipient, "target@remote.example");
	assert_string_equal(r.relay, "mx.remote.example[198.18.0.25]");
	assert_string_equal(r.status, "sent");
	assert_int_equal(r.client_port, 0);
	assert_int_equal(maillog_parse_line("2024-03-03 12:01:06 1rgXyZ-000Abc-Q1 Completed", 46, MARCH_2024, &r), 0);
	/* a smarthost's mainlog with +incoming_port: H=NAME (HELO) [IP]:PORT, no port without it */
	l1 = "2024-05-01 10:29:58 1rNat1-000Q1a-2B <= winner@lottery.example.org H=nat1.example.net (pc-3-4.lan)"
	     " [192.0.2.1]:40123 P=esmtp S=812 id=spam-2@lottery.example.org";
	assert_int_equal(maillog_parse_line(l1, strlen(l1), MARCH_2024, &r), 1);
	assert_string_equal(r.client_name, "nat1.example.net");
	assert_string_equal(r.client_ip, "192.0.2.1");
	assert_int_equal(r.client_port, 40123);
	l1 = "2024-05-01 10:29:58 1rNat1-000Q1a-2B <= w@l.example H=(pc-3-4.lan) [192.0.2.1] P=esmtp S=812";
	assert_int_equal(maillog_parse_line(l1, strlen(l1), MARCH_2024, &r), 1);
	assert_int_equal(r.client_port, 0);
}

/* import_log - parse and insert every line; returns rows added */
static long import_log(struct db *d, const char *log)
{
	char line[1024], hash[32];
	const char *p = log;
	long added = 0;
	struct maillog_rec r;
	struct db_maillog_rec dr;

	while (*p) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		if (!maillog_parse_line(line, strlen(line), MARCH_2024, &r))
			continue;
		snprintf(hash, sizeof(hash), "%08lx", (unsigned long)(p - log));   /* the line's offset */
		app_maillog_rec(&r, &dr);
		if (maillog_insert(d, &dr, hash) == 1)
			added++;
	}
	return added;
}

static void test_maillog_import_find(void **state)
{
	struct db d;
	struct app_env ae = { .db = &d };
	struct trace_env env;
	struct maillog_entry e;

	db_mem(&d);
	assert_int_equal(import_log(&d, postfix_log), 6);
	assert_int_equal(import_log(&d, postfix_log), 0);   /* same lines: nothing new */
	assert_int_equal(import_log(&d, "Mar  3 10:15:01 mx2 postfix/smtpd[9]: 5PortQ1: client=nat1[192.0.2.1]:40123\n"), 1);
	app_trace_env(&ae, &env);
	env.maillog(env.ctx, "5PortQ1", NULL, &e);
	assert_true(e.found);
	assert_string_equal(e.client_ip, "192.0.2.1");
	assert_int_equal(e.client_port, 40123);
	env.maillog(env.ctx, "4TqR3k1XyzA", NULL, &e);
	assert_true(e.found);
	assert_string_equal(e.client_ip, "203.0.113.45");
	assert_string_equal(e.host, "mx2");
	assert_int_equal(e.client_port, 0);
	assert_string_equal(e.sasl_user, "");
	env.maillog(env.ctx, NULL, "<m2@smtp1.example.net>", &e);
	assert_true(e.found);
	assert_string_equal(e.queue_id, "7BC12D40F3");
	assert_string_equal(e.sasl_user, "alice@example.net");
	assert_string_equal(e.client_ip, "198.51.100.77");
	env.maillog(env.ctx, "NOSUCHQID", "spam-1001@spammer.example", &e);
	assert_string_equal(e.queue_id, "4TqR3k1XyzA");
	env.maillog(env.ctx, "NOSUCHQID", "nobody@nowhere", &e);
	assert_false(e.found);
	db_close(&d);
}

static void test_natlog(void **state)
{
	struct db d;
	struct ipaddr in1, in2, out;
	struct app_env ae = { .db = &d };
	struct trace_env env;
	char inside[46];
	int port = 0;

	db_mem(&d);
	ip_parse("10.1.2.3", &in1);
	ip_parse("10.1.2.4", &in2);
	ip_parse("192.0.2.1", &out);
	assert_int_equal(natlog_insert(&d, 1000, &in1, 40000, &out, 61000), 1);
	assert_int_equal(natlog_insert(&d, 1000, &in1, 40000, &out, 61000), 0);
	assert_int_equal(natlog_insert(&d, 2000, &in2, 40001, &out, 61000), 1);
	app_trace_env(&ae, &env);
	assert_int_equal(env.nat(env.ctx, &out, 61000, 1100, inside, &port), 0);
	assert_string_equal(inside, "10.1.2.3");
	assert_int_equal(port, 40000);
	assert_int_equal(env.nat(env.ctx, &out, 61000, 2010, inside, &port), 0);
	assert_string_equal(inside, "10.1.2.4");
	/* a record just after the time (clock skew) when none before */
	assert_int_equal(env.nat(env.ctx, &out, 61000, 1990, inside, &port), 0);
	assert_string_equal(inside, "10.1.2.4");
	assert_int_equal(env.nat(env.ctx, &out, 61000, 1000 + NATLOG_WINDOW + 1, inside, &port), -1);
	assert_int_equal(env.nat(env.ctx, &out, 61001, 1100, inside, &port), -1);
	assert_int_equal(env.nat(env.ctx, &out, 0, 1100, inside, &port), -1);
	db_close(&d);
}

/* unanswer - the table t becomes a view whose every row fails at run time
 * (abs() of the smallest integer), as a lookup fails when the server goes away */
static void unanswer(struct db *d, const char *t, const char *intcol)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "ALTER TABLE %s RENAME TO %s_real; CREATE VIEW %s AS SELECT * FROM %s_real"
		 " WHERE abs(%s * 0 - 9223372036854775807 - 1) >= 0", t, t, t, t, intcol);
	assert_int_equal(db_exec(d, sql), DB_OK);
}

/* answer - unanswer undone */
static void answer(struct db *d, const char *t)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "DROP VIEW %s; ALTER TABLE %s_real RENAME TO %s", t, t, t);
	assert_int_equal(db_exec(d, sql), DB_OK);
}

/* test_lookup_unanswered - a lookup the store could not answer is an error,
 * and the trace environment says so (failed), never "not in the inventory":
 * a verdict made from it would be stored as if the host were unknown */
static void test_lookup_unanswered(void **state)
{
	struct db d;
	struct app_env ae = { .db = &d };
	struct trace_env env;
	struct db_inv_entry de;
	struct inv_entry e;
	struct maillog_entry me;
	struct db_maillog_hit h;
	struct ipaddr host, net, in1, out;
	char inside[46];
	int port = 0;

	db_mem(&d);
	load_all(&d);
	assert_int_equal(import_log(&d, postfix_log), 6);
	ip_parse("192.0.2.25", &host);
	ip_parse("192.0.2.140", &net);
	ip_parse("10.1.2.3", &in1);
	ip_parse("192.0.2.1", &out);
	assert_int_equal(natlog_insert(&d, 1000, &in1, 40000, &out, 61000), 1);
	app_trace_env(&ae, &env);
	/* answered: found, and nothing flagged */
	env.lookup(env.ctx, &host, &e);
	assert_true(e.found);
	assert_int_equal(ae.failed, 0);

	unanswer(&d, "host_ips", "host_id");
	assert_int_equal(inventory_find(&d, &host, &de), DB_ERROR);
	env.lookup(env.ctx, &host, &e);
	assert_false(e.found);
	assert_int_equal(ae.failed, 1);

	answer(&d, "host_ips");
	ae.failed = 0;
	env.lookup(env.ctx, &net, &e);       /* no host row: the networks answer */
	assert_true(e.found);
	assert_int_equal(ae.failed, 0);
	unanswer(&d, "networks", "prefix");
	assert_int_equal(inventory_find(&d, &net, &de), DB_ERROR);
	env.lookup(env.ctx, &net, &e);
	assert_int_equal(ae.failed, 1);

	ae.failed = 0;
	unanswer(&d, "maillog", "id");
	assert_int_equal(maillog_find(&d, "4TqR3k1XyzA", NULL, &h), DB_ERROR);
	assert_int_equal(maillog_find(&d, NULL, "<m2@smtp1.example.net>", &h), DB_ERROR);
	env.maillog(env.ctx, "4TqR3k1XyzA", NULL, &me);
	assert_false(me.found);
	assert_int_equal(ae.failed, 1);

	ae.failed = 0;
	unanswer(&d, "natlog", "at");
	assert_int_equal(natlog_find(&d, &out, 61000, 1100, inside, &port), -2);
	assert_int_equal(env.nat(env.ctx, &out, 61000, 1100, inside, &port), -1);
	assert_int_equal(ae.failed, 1);
	db_close(&d);
}

/* test_inventory_csv_rfc4180 - the CSV inventory reads through util/csv: CRLF, a quoted
 * address list over two lines, an indented comment; line caps and NUL refuse one row */
static void test_inventory_csv_rfc4180(void **state)
{
	static const char head[] =
		"kind,name,ips,role,owner\r\n"
		"  # indented comment\r\n"
		"host,a.example.net,\"192.0.2.7;\n192.0.2.8\",mta,\"o \"\"x\"\"\"\r\n"
		"host,n.example.net,192.0.2.9,mta,a\0b\n"
		"network,192.0.2.0/24,,,x,1,2,3,4\n"
		"host,l.example.net,192.0.2.10,mta,";
	char *data = malloc(sizeof(head) + 5000);
	struct inventory_csv *i = NULL;
	struct trace_env e;
	struct inv_entry ent;
	struct ipaddr a;
	char err[256];
	size_t n = sizeof(head) - 1;

	assert_non_null(data);
	memcpy(data, head, n);
	memset(data + n, 'o', 4100);
	n += 4100;
	memcpy(data + n, "\nnetwork,198.51.100.0/24,,web,y\n", 32);
	n += 32;
	assert_int_equal(inventory_csv_parse(data, n, "t.csv", &i, err, sizeof(err)), -1);
	assert_int_equal(inventory_csv_errors(i)->n, 3);
	assert_string_equal(inventory_csv_errors(i)->v[0], "t.csv:5: NUL byte");
	assert_string_equal(inventory_csv_errors(i)->v[1], "t.csv:6: too many columns");
	assert_string_equal(inventory_csv_errors(i)->v[2], "t.csv:7: line too long");
	assert_int_equal(inventory_csv_rows(i), 2);
	inventory_csv_env(i, &e);
	ip_parse("192.0.2.8", &a);
	e.lookup(e.ctx, &a, &ent);
	assert_true(ent.found);
	assert_string_equal(ent.host, "a.example.net");
	assert_string_equal(ent.owner, "o \"x\"");
	ip_parse("198.51.100.1", &a);
	e.lookup(e.ctx, &a, &ent);
	assert_true(ent.found);
	inventory_csv_free(i);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_most_specific),
		cmocka_unit_test(test_import_idempotent),
		cmocka_unit_test(test_import_errors_rollback),
		cmocka_unit_test(test_lookup_many),
		cmocka_unit_test(test_lookup_prefixes),
		cmocka_unit_test(test_maillog_parse_postfix),
		cmocka_unit_test(test_maillog_parse_exim),
		cmocka_unit_test(test_maillog_import_find),
		cmocka_unit_test(test_natlog),
		cmocka_unit_test(test_lookup_unanswered),
		cmocka_unit_test(test_inventory_csv_rfc4180),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
