/*
 * probe_smtp - the open relay test: a minimal SMTP client that asks the
 * target to take mail from an outside sender for outside recipients, in the
 * address forms that badly configured relays accept, and never sends DATA.
 *
 * A 2xx to any RCPT TO means open. All variants are tried in one
 * transaction, so the result says which forms were accepted; then RSET and
 * QUIT. A target that refuses the connection on the SMTP port has no relay
 * to abuse there (closed); one that times out or speaks no SMTP is an error.
 */
#include <stdio.h>
#include <string.h>

#include "../../util/str.h"
#include "probe_int.h"

#define PROBE_LOCAL "abusedesk-probe"
#define NVARIANTS 6

/* host_ok - a plain DNS name: letters, digits, dot, hyphen, one dot at least */
static int host_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 253 || strchr(s, '.') == NULL || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* our_host_name - the name the target calls itself (greeting), else the inventory's, else [ip] */
static void our_host_name(const struct probe_target *t, const char *greeting, char *out, size_t size)
{
	char word[256] = "";

	if (strlen(greeting) > 4)
		sscanf(greeting + 4, "%255s", word);
	if (host_ok(word))
		snprintf(out, size, "%s", word);
	else if (host_ok(t->name))
		snprintf(out, size, "%s", t->name);
	else if (ip_is_v4(&t->ip))
		snprintf(out, size, "[%s]", t->text);
	else
		snprintf(out, size, "[IPv6:%s]", t->text);
}

/* variants - the RCPT TO forms tried; names[i] says which trick forms[i] is */
static void variants(const char *dom, const char *ours, char forms[NVARIANTS][600], const char *names[NVARIANTS])
{
	static const char *const n[NVARIANTS] = {
		"plain", "percent hack", "source route", "quoted local part", "user@outside@ourhost",
		"bang path"
	};

	snprintf(forms[0], 600, "<%s@%s>", PROBE_LOCAL, dom);
	snprintf(forms[1], 600, "<%s%%%s@%s>", PROBE_LOCAL, dom, ours);
	snprintf(forms[2], 600, "<@%s:%s@%s>", ours, PROBE_LOCAL, dom);
	snprintf(forms[3], 600, "<\"%s@%s\"@%s>", PROBE_LOCAL, dom, ours);
	snprintf(forms[4], 600, "<%s@%s@%s>", PROBE_LOCAL, dom, ours);
	snprintf(forms[5], 600, "<%s!%s@%s>", dom, PROBE_LOCAL, ours);
	for (int i = 0; i < NVARIANTS; i++)
		names[i] = n[i];
}

/* command - send one command line and read the reply; the code or -1 */
static int command(struct pio *p, const char *line, char *reply, size_t size)
{
	char cmd[1100];

	snprintf(cmd, sizeof(cmd), "%s\r\n", line);
	if (pio_sendstr(p, cmd) < 0)
		return -1;
	return pio_smtp_reply(p, reply, size);
}

/* hello - greeting, EHLO (HELO when refused); 0, or -1 with the result set */
static int hello(struct pio *p, const struct probe_opts *o, struct probe_res *r, char *greet, size_t gsize)
{
	char line[300], reply[PIO_LINE_MAX];
	int code = pio_smtp_reply(p, greet, gsize);

	if (code < 0) {
		probe_set(r, PROBE_ERROR, "no SMTP greeting: %s", p->err);
		return -1;
	}
	if (code != 220) {
		probe_set(r, code >= 500 ? PROBE_CLOSED : PROBE_ERROR, "server refused the session: %s", greet);
		return -1;
	}
	snprintf(line, sizeof(line), "EHLO %s", o->helo);
	code = command(p, line, reply, sizeof(reply));
	if (code >= 500) {
		snprintf(line, sizeof(line), "HELO %s", o->helo);
		code = command(p, line, reply, sizeof(reply));
	}
	if (code / 100 != 2) {
		probe_set(r, PROBE_ERROR, "HELO refused: %s", code < 0 ? p->err : reply);
		return -1;
	}
	return 0;
}

/* try_rcpts - every variant; the number accepted, -1 when the session broke */
static int try_rcpts(struct pio *p, const struct probe_opts *o, const char *ours, struct probe_res *r)
{
	char forms[NVARIANTS][600], line[700], reply[PIO_LINE_MAX], first_no[PIO_LINE_MAX] = "";
	char yes[200] = "", first_yes[600] = "";
	const char *names[NVARIANTS];
	int code = 0, accepted = 0, tried = 0;

	variants(o->outside_domain, ours, forms, names);
	for (int i = 0; i < NVARIANTS; i++) {
		snprintf(line, sizeof(line), "RCPT TO:%.600s", forms[i]);
		code = command(p, line, reply, sizeof(reply));
		if (code < 0 || code == 421)
			break;
		tried++;
		if (code / 100 == 2) {
			tr_note(p->tr, "ACCEPTED: %s (%s)", forms[i], names[i]);
			if (accepted++ == 0)
				snprintf(first_yes, sizeof(first_yes), "%.590s", forms[i]);
			snprintf(yes + strlen(yes), sizeof(yes) - strlen(yes), "%s%s", accepted > 1 ? ", " : "",
				 names[i]);
		} else if (first_no[0] == '\0')
			snprintf(first_no, sizeof(first_no), "%s", reply);
	}
	if (accepted)
		probe_set(r, PROBE_OPEN, "open relay: accepted %d of %d recipient forms (%s), e.g. RCPT TO:%s",
			  accepted, tried, yes, first_yes);
	else if (tried == NVARIANTS)
		probe_set(r, PROBE_CLOSED, "all %d relay forms refused (%s)", tried, first_no);
	else
		probe_set(r, PROBE_ERROR, "session ended after %d of %d forms: %s", tried, NVARIANTS,
			  code < 0 ? p->err : reply);
	return accepted;
}

/* names_ok - configured names safe to put on the wire */
static int names_ok(const struct probe_opts *o, struct probe_res *r)
{
	if (!host_ok(o->helo) || !host_ok(o->outside_domain)) {
		probe_set(r, PROBE_ERROR, "probe_helo and probe_outside_domain must be plain domain names");
		return 0;
	}
	return 1;
}

/* probe_relay - the open relay test against t on o->smtp_port */
void probe_relay(const struct probe_target *t, const struct probe_opts *o, struct probe_res *r)
{
	struct pio p;
	char greet[PIO_LINE_MAX] = "", ours[300], line[400], reply[PIO_LINE_MAX];
	int rc, code;

	probe_res_start(r, PROBE_RELAY);
	if (!names_ok(o, r))
		return;
	rc = pio_connect(&p, t, o->smtp_port, o->timeout, &r->transcript);
	if (rc == PIO_REFUSED) {
		probe_set(r, PROBE_CLOSED, "port %d refuses connections", o->smtp_port);
		return;
	}
	if (rc < 0) {
		probe_set(r, PROBE_ERROR, "cannot connect to %s port %d: %s", t->text, o->smtp_port, p.err);
		return;
	}
	if (hello(&p, o, r, greet, sizeof(greet)) == 0) {
		our_host_name(t, greet, ours, sizeof(ours));
		snprintf(line, sizeof(line), "MAIL FROM:<%s@%s>", PROBE_LOCAL, o->outside_domain);
		code = command(&p, line, reply, sizeof(reply));
		if (code / 100 != 2)
			probe_set(r, PROBE_ERROR, "MAIL FROM refused, relay not tested: %s",
				  code < 0 ? p.err : reply);
		else
			try_rcpts(&p, o, ours, r);
		command(&p, "RSET", reply, sizeof(reply));
	}
	command(&p, "QUIT", reply, sizeof(reply));
	pio_close(&p);
}
