/*
 * test_probe - the probe's policy, parsing, and its SMTP / SOCKS clients
 * against small fake servers forked on 127.0.0.1 (loopback only); the
 * probes table (record, rate limit, due incidents).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../db/db_int.h"
#include "../../correlate/probe/probe_int.h"
#include "../../db/probes.h"

/* ---- policy: an inventory that knows 127.0.0.0/24 hosts .1 and .21 ---- */

static int lookups;

static void fake_lookup(void *ctx, const struct ipaddr *ip, struct inv_entry *e)
{
	char t[46];

	lookups++;
	memset(e, 0, sizeof(*e));
	ip_format(ip, t);
	if (strcmp(t, "127.0.0.1") == 0 || strcmp(t, "127.0.0.21") == 0) {
		e->found = 1;
		snprintf(e->host, sizeof(e->host), "mx.example.net");
		e->role = ROLE_MTA;
	}
}

static void ours(struct netlist *l, struct trace_env *env)
{
	char *bad = NULL;

	memset(l, 0, sizeof(*l));
	assert_int_equal(netlist_parse(l, "127.0.0.0/24", &bad), 0);
	memset(env, 0, sizeof(*env));
	env->lookup = fake_lookup;
}

static void approve(const char *ip, struct probe_target *t)
{
	struct netlist l;
	struct trace_env env;
	struct ipaddr a;
	char why[200];

	ours(&l, &env);
	assert_int_equal(ip_parse(ip, &a), 0);
	assert_int_equal(probe_check_target(&l, &env, &a, t, why, sizeof(why)), 0);
	netlist_free(&l);
}

static void test_policy(void **state)
{
	struct netlist l;
	struct trace_env env;
	struct probe_target t;
	struct ipaddr a;
	char why[200];

	ours(&l, &env);
	lookups = 0;
	ip_parse("8.8.8.8", &a);
	assert_int_equal(probe_check_target(&l, &env, &a, &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not inside our_networks"));
	assert_int_equal(lookups, 0);
	assert_int_not_equal(t.approved, PROBE_APPROVED);
	ip_parse("127.0.0.5", &a);                 /* ours, but not in the inventory */
	assert_int_equal(probe_check_target(&l, &env, &a, &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not in the inventory"));
	ip_parse("127.0.1.21", &a);                /* outside the /24 */
	assert_int_equal(probe_check_target(&l, &env, &a, &t, why, sizeof(why)), -1);
	ip_parse("::ffff:127.0.0.21", &a);
	assert_int_equal(probe_check_target(&l, &env, &a, &t, why, sizeof(why)), 0);
	assert_string_equal(t.text, "127.0.0.21");
	assert_string_equal(t.name, "mx.example.net");
	netlist_free(&l);
}

/* listener - a loopback listening socket on an ephemeral port */
static int listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(0x7f000001);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void test_unapproved_never_connects(void **state)
{
	struct probe_target t;
	struct probe_opts o;
	struct probe_res r;
	struct timeval tv = { 0, 200000 };
	int port, lfd = listener(&port), c;

	memset(&t, 0, sizeof(t));
	ip_parse("127.0.0.1", &t.ip);
	snprintf(t.text, sizeof(t.text), "127.0.0.1");
	probe_opts_init(&o);
	o.smtp_port = port;
	o.ports[0] = port;
	o.nports = 1;
	probe_res_init(&r, PROBE_RELAY);
	probe_relay(&t, &o, &r);
	assert_int_equal(r.result, PROBE_ERROR);
	probe_res_free(&r);
	probe_res_init(&r, PROBE_RELAY);
	probe_proxy(&t, &o, &r);
	assert_int_not_equal(r.result, PROBE_OPEN);
	probe_res_free(&r);
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c = accept(lfd, NULL, NULL);
	assert_true(c < 0);                        /* nothing ever connected */
	close(lfd);
}

static void test_parse(void **state)
{
	struct probe_opts o;
	char bad[64], host[256];
	int port;

	probe_opts_init(&o);
	assert_int_equal(probe_parse_ports(&o, "3128, 8080 1080", bad, sizeof(bad)), 0);
	assert_int_equal((int)o.nports, 3);
	assert_int_equal(o.ports[2], 1080);
	assert_int_equal(probe_parse_ports(&o, "80,abc", bad, sizeof(bad)), -1);
	assert_string_equal(bad, "abc");
	assert_int_equal(probe_parse_ports(&o, "0", bad, sizeof(bad)), -1);
	assert_int_equal(probe_parse_ports(&o, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", bad, sizeof(bad)), -1);
	assert_int_equal(probe_parse_ports(&o, " , ", bad, sizeof(bad)), -1);
	assert_int_equal(split_hostport("mx.example.org:2525", host, sizeof(host), &port, 25), 0);
	assert_string_equal(host, "mx.example.org");
	assert_int_equal(port, 2525);
	assert_int_equal(split_hostport("[2001:db8::1]:25", host, sizeof(host), &port, 25), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(split_hostport("mx.example.org", host, sizeof(host), &port, 25), 0);
	assert_int_equal(port, 25);
	assert_int_equal(split_hostport("a b:25", host, sizeof(host), &port, 25), -1);
	assert_int_equal(split_hostport("mx:99999", host, sizeof(host), &port, 25), -1);
}

static void test_resolve(void **state)
{
	struct ipaddr ips[PROBE_MAX_ADDRS];
	char why[200], t[46];
	size_t n;

	assert_int_equal(probe_resolve("127.0.0.21", ips, PROBE_MAX_ADDRS, &n, why, sizeof(why)), 0);
	assert_int_equal((int)n, 1);
	ip_format(&ips[0], t);
	assert_string_equal(t, "127.0.0.21");
	assert_int_equal(probe_resolve("bad\nname", ips, PROBE_MAX_ADDRS, &n, why, sizeof(why)), -1);
	assert_int_equal(probe_resolve("", ips, PROBE_MAX_ADDRS, &n, why, sizeof(why)), -1);
	assert_int_equal(probe_resolve("no-such-host.invalid", ips, PROBE_MAX_ADDRS, &n, why, sizeof(why)), -1);
}

/* ---- fake servers ---- */

typedef void (*handler)(int fd, int conn, int log);

/* serve - fork a server answering nconn connections with h; its pid */
static pid_t serve(int lfd, int nconn, handler h, int log)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		for (int i = 0; i < nconn; i++) {
			int c = accept(lfd, NULL, NULL);
			if (c < 0)
				_exit(1);
			h(c, i, log);
			close(c);
		}
		_exit(0);
	}
	close(lfd);
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

/* readline - one line from fd, also appended to the log fd */
static int readline(int fd, char *b, size_t n, int log)
{
	size_t i = 0;
	char c;

	while (i + 1 < n && read(fd, &c, 1) == 1) {
		if (log >= 0 && write(log, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		b[i++] = c;
	}
	b[i] = '\0';
	return i > 0 ? 0 : -1;
}

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(2);
}

/* smtp_hostile - a hostile banner; accepts only the percent hack */
static void smtp_hostile(int fd, int conn, int log)
{
	char line[1024];

	say(fd, "220-mx.example.net \x1b[31mred\xff\r\n220 ok\r\n");
	while (readline(fd, line, sizeof(line), log) == 0) {
		if (strncmp(line, "EHLO", 4) == 0)
			say(fd, "250-mx.example.net\r\n250 PIPELINING\r\n");
		else if (strncmp(line, "RCPT", 4) == 0)
			say(fd, strchr(line, '%') ? "250 ok\r\n" : "554 5.7.1 Relay access denied\r\n");
		else if (strncmp(line, "QUIT", 4) == 0) {
			say(fd, "221 bye\r\n");
			return;
		} else
			say(fd, "250 ok\r\n");
	}
}

static void test_relay_fake(void **state)
{
	struct probe_target t;
	struct probe_opts o;
	struct probe_res r;
	char logf[] = "/tmp/abusedesk-probe-XXXXXX", got[8192];
	int port, lfd = listener(&port), log = mkstemp(logf);
	pid_t pid = serve(lfd, 1, smtp_hostile, log);
	ssize_t n;

	approve("127.0.0.1", &t);
	probe_opts_init(&o);
	o.smtp_port = port;
	o.timeout = 3;
	probe_res_init(&r, PROBE_RELAY);
	probe_relay(&t, &o, &r);
	reap(pid);
	assert_int_equal(r.result, PROBE_OPEN);
	assert_non_null(strstr(r.detail, "percent hack"));
	assert_null(strstr(r.detail, "plain"));
	assert_non_null(strstr(r.transcript.data, "\\x1b[31mred\\xff"));
	assert_null(strchr(r.transcript.data, 0x1b));
	assert_non_null(strstr(r.transcript.data, "C: RSET"));
	n = pread(log, got, sizeof(got) - 1, 0);
	assert_true(n > 0);
	got[n] = '\0';
	assert_non_null(strstr(got, "MAIL FROM:<abusedesk-probe@example.org>"));
	assert_non_null(strstr(got, "RCPT TO:<abusedesk-probe%example.org@mx.example.net>"));
	assert_null(strstr(got, "DATA"));          /* never */
	close(log);
	unlink(logf);
	probe_res_free(&r);
}

static void silent(int fd, int conn, int log)
{
	sleep(15);   /* longer than any timeout the tests set; reap() ends it */
}

static void test_relay_timeout(void **state)
{
	struct probe_target t;
	struct probe_opts o;
	struct probe_res r;
	int port, lfd = listener(&port);
	pid_t pid = serve(lfd, 1, silent, -1);
	int st;

	approve("127.0.0.1", &t);
	probe_opts_init(&o);
	o.smtp_port = port;
	o.timeout = 1;
	probe_res_init(&r, PROBE_RELAY);
	probe_relay(&t, &o, &r);
	/* the probe gave up by its own timeout: the silent server is still there
	 * (a condition, not a wall-clock bound) */
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
	reap(pid);
	assert_int_equal(r.result, PROBE_ERROR);
	assert_non_null(strstr(r.detail, "timed out"));
	probe_res_free(&r);
}

/* socks - not HTTP; SOCKS4 refused (0x5b); SOCKS5 granted, or wants auth when log == 1 */
static void socks(int fd, int conn, int want_auth)
{
	unsigned char b[600];

	if (read(fd, b, sizeof(b)) <= 0)
		return;
	if (b[0] == 4)
		(void)!write(fd, "\0\x5b\0\0\0\0\0\0", 8);
	else if (b[0] == 5 && want_auth == 1)
		(void)!write(fd, "\x05\xff", 2);
	else if (b[0] == 5) {
		(void)!write(fd, "\x05\x00", 2);
		if (read(fd, b, sizeof(b)) >= 10 && b[0] == 5 && b[1] == 1 && b[3] == 1 &&
		    memcmp(b + 4, "\x7f\0\0\x1f", 4) == 0 && b[8] == 0 && b[9] == 25)
			(void)!write(fd, "\x05\x00\x00\x01\0\0\0\0\0\0", 10);
		else
			(void)!write(fd, "\x05\x01\x00\x01\0\0\0\0\0\0", 10);
	}
}

static void run_socks(int want_auth, enum probe_result want)
{
	struct probe_target t;
	struct probe_opts o;
	struct probe_res r;
	int port, lfd = listener(&port);
	pid_t pid = serve(lfd, 3, socks, want_auth);

	approve("127.0.0.1", &t);
	probe_opts_init(&o);
	o.outside_host = "127.0.0.31:25";
	o.ports[0] = port;
	o.nports = 1;
	o.timeout = 2;
	probe_res_init(&r, PROBE_RELAY);
	probe_proxy(&t, &o, &r);
	reap(pid);
	assert_int_equal(r.result, want);
	if (want == PROBE_OPEN) {
		assert_non_null(strstr(r.detail, "SOCKS5 CONNECT to 127.0.0.31:25"));
		assert_null(strstr(r.detail, "SOCKS4"));
	}
	probe_res_free(&r);
}

static void test_socks5_open(void **state)
{
	run_socks(0, PROBE_OPEN);
}

static void test_socks5_auth_closed(void **state)
{
	run_socks(1, PROBE_CLOSED);
}

static void test_proxy_all_refused(void **state)
{
	struct probe_target t;
	struct probe_opts o;
	struct probe_res r;
	int port, lfd = listener(&port);

	close(lfd);                                /* nobody listens there now */
	approve("127.0.0.1", &t);
	probe_opts_init(&o);
	o.ports[0] = port;
	o.nports = 1;
	probe_res_init(&r, PROBE_RELAY);
	probe_proxy(&t, &o, &r);
	assert_int_equal(r.result, PROBE_CLOSED);
	assert_non_null(strstr(r.detail, "refuses connections"));
	probe_res_free(&r);
}

/* ---- the probes table ---- */

static void test_probes_table(void **state)
{
	char path[] = "/tmp/abusedesk-probedb-XXXXXX", err[256], dbp[300];
	struct db d;
	struct probe_incident_row in;
	long long at = 0, id = 0, ids[4];
	size_t n;

	assert_non_null(mkdtemp(path));
	snprintf(dbp, sizeof(dbp), "%s/a.db", path);
	assert_int_equal(db_open(&d, dbp, 2, 1, err, sizeof(err)), DB_OK);
	assert_int_equal(db_migrate(&d, err, sizeof(err)), DB_OK);
	assert_int_equal(probes_last(&d, "127.0.0.21", "relay", &at), 0);
	assert_int_equal(db_exec(&d, "INSERT INTO incidents(id, key_host, verdict, status, abused_ip, first_seen,"
				 " last_seen, created_at, updated_at) VALUES (7, 'mx', 'open_relay', 'open',"
				 " '127.0.0.21', 100, 100, 100, 100), (8, 'w', 'web_script', 'open', '127.0.0.9',"
				 " 100, 100, 100, 100)"), DB_OK);
	assert_int_equal(probes_due(&d, ids, 4, &n), DB_OK);
	assert_int_equal((int)n, 1);
	assert_int_equal((int)ids[0], 7);
	assert_int_equal(probes_add(&d, 7, 150, "127.0.0.21", "relay", "open", "x'); DROP TABLE probes; --",
				    "S: 220\n", &id), DB_OK);
	assert_true(id > 0);
	assert_int_equal(probes_last(&d, "127.0.0.21", "relay", &at), 1);
	assert_int_equal((int)at, 150);
	assert_int_equal(probes_last(&d, "127.0.0.21", "proxy", &at), 0);
	assert_int_equal(probes_due(&d, ids, 4, &n), DB_OK);
	assert_int_equal((int)n, 0);
	assert_int_equal(probes_incident(&d, 7, &in), 1);
	assert_string_equal(in.verdict, "open_relay");
	assert_string_equal(in.abused_ip, "127.0.0.21");
	assert_int_equal(probes_incident(&d, 99, &in), 0);
	db_close(&d);
	snprintf(dbp, sizeof(dbp), "rm -rf '%s'", path);
	assert_int_equal(system(dbp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_unapproved_never_connects),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_relay_fake),
		cmocka_unit_test(test_relay_timeout),
		cmocka_unit_test(test_socks5_open),
		cmocka_unit_test(test_socks5_auth_closed),
		cmocka_unit_test(test_proxy_all_refused),
		cmocka_unit_test(test_probes_table),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
