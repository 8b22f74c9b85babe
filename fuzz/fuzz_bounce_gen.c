/*
 * fuzz_bounce_gen - libFuzzer target: bounces written in the shapes of
 * Postfix, Sendmail and Exim (RFC 3464 reports with each one's notice),
 * and of qmail, Exim without DSN and OpenSMTPD (notices with no
 * delivery-status part), as their sources and documentation give them
 * (like tests/differential/gen_bounces.py), with the recipients, reply
 * codes and reply texts the input chooses, then read by parse_message.
 * The input decides the values; the shape decides where they stand, so
 * the answer is known.
 *
 * Checks: the message is read as a bounce; its recipients are the ones
 * written, no more; and each status is the answer docs/formats.md gives: the
 * remote server's enhanced code of the reply code's class (right after the
 * code, or qmail's "(#C.S.D)" later in the reply); else, when the report's
 * Status is a generic C.0.0, the first code in the reply if it is of class C;
 * else the Status. A notice with no delivery-status part has no Status: only
 * the remote's own code is checked there. Reply texts carry decoys: another
 * address, a code that is not the reply's, the words of the DSN's own fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../parse/report.h"
#include "fuzz_src.h"

#define MAXR 3

/* word - a run of 1-8 characters of set */
static size_t word(struct src *s, const char *set, char *out, size_t cap)
{
	size_t n = strlen(set), len = 1 + take(s) % 8, o = 0;

	while (o < len && o + 1 < cap)
		out[o++] = set[take(s) % n];
	out[o] = '\0';
	return o;
}

/* address - local@domain: a dot-atom local part (no dot first or last) and 2-3 labels */
static void address(struct src *s, char *out, size_t cap)
{
	static const char lp[] = "abcdefghijklmnopqrstuvwxyz0123456789+-_=";
	static const char lab[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char a[16], b[16], d1[16], d2[16];
	unsigned f = take(s);

	word(s, lp, a, sizeof a);
	word(s, lab, b, sizeof b);
	word(s, lab, d1, sizeof d1);
	word(s, lab, d2, sizeof d2);
	snprintf(out, cap, "%c%s%s%s@%s.%s.%s", "abcdefghijklmnopqrstuvwxyz"[f % 26], a, f & 32 ? "." : "",
		 f & 32 ? b : "", d1, d2, (const char *[]){ "net", "org", "example", "de", "jp" }[(f >> 6) % 5]);
}

/* One failed recipient: where it went and what the server said. */
struct fail {
	char addr[96];
	unsigned code;          /* 4xx or 5xx */
	char enh[16];           /* the enhanced code after the reply code, or "" */
	char text[200];         /* the rest of the reply */
	char want[16];          /* the status abusedesk must give, "" for none */
};

/* reply - a reply for f from the input: code, enhanced code or none, text with decoys */
static void reply(struct src *s, struct fail *f, const char *decoy)
{
	static const char *const words[] = { "User", "unknown", "Mailbox", "full", "rejected", "Status:",
					     "Final-Recipient:", "Action:", "failed", "5.7.1", "4.2.0", "(#5.1.1)",
					     "Recipient", "address", "<", ">", "...", "said:", "RCPT", "TO:" };
	unsigned c = take(s), ecls, n;
	size_t o = 0;

	f->code = (c & 1 ? 500 : 400) + (const unsigned[]){ 50, 51, 52, 53, 54 }[(c >> 1) % 5];
	ecls = c & 64 ? f->code / 100 : (f->code / 100 == 5 ? 4 : 5);   /* now and then another class */
	f->enh[0] = '\0';
	if (!(c & 128))
		snprintf(f->enh, sizeof f->enh, "%u.%u.%u", ecls, take(s) % 8, take(s) % 30);
	n = 1 + take(s) % 6;
	for (unsigned k = 0; k < n && o + 40 < sizeof f->text; k++) {
		unsigned w = take(s);

		if (w % 11 == 0 && decoy)
			o += (size_t)snprintf(f->text + o, sizeof f->text - o, "%s<%s>", k ? " " : "", decoy);
		else if (k == 0 && w % 20 >= 9 && w % 20 <= 11)
			/* a code first would be the reply's enhanced code: decoy codes come later */
			o += (size_t)snprintf(f->text + o, sizeof f->text - o, "Error:");
		else
			o += (size_t)snprintf(f->text + o, sizeof f->text - o, "%s%s", k ? " " : "", words[w % 20]);
	}
	if (o == 0)
		snprintf(f->text, sizeof f->text, "rejected");
}

/* own_code - the reply carries an enhanced code of its own class right after the code */
static int own_code(const struct fail *f)
{
	return f->enh[0] && (unsigned)(f->enh[0] - '0') == f->code / 100;
}

/* the Status Postfix and Sendmail write: the reply's own code, else class.0.0 */
static void mta_status(const struct fail *f, char st[16])
{
	if (own_code(f))
		snprintf(st, 16, "%s", f->enh);
	else
		snprintf(st, 16, "%u.0.0", f->code / 100);
}

/* full - "550 5.1.1 text" or "550 text" */
static void full(const struct fail *f, char *out, size_t cap)
{
	if (f->enh[0])
		snprintf(out, cap, "%u %s %s", f->code, f->enh, f->text);
	else
		snprintf(out, cap, "%u %s", f->code, f->text);
}

/* first_code - the first of the reply text's decoy codes ("5.7.1", "4.2.0",
 * "(#5.1.1)"), the only D.S.N-shaped words the text can hold; "" for none */
static const char *first_code(const char *text)
{
	static const char *const codes[] = { "5.7.1", "4.2.0", "5.1.1" };
	const char *best = NULL, *code = "";

	for (size_t i = 0; i < 3; i++) {
		const char *p = strstr(text, codes[i]);

		if (p && (!best || p < best)) {
			best = p;
			code = codes[i];
		}
	}
	return code;
}

/*
 * answer - the status abusedesk must give (docs/formats.md, "the remote
 * server's own code"): the remote's enhanced code of the reply code's class,
 * right after the code or as qmail's "(#C.S.D)" later in the reply; else,
 * when the report's Status is a generic C.0.0, the first code in the reply
 * if it is of class C; else the Status. With no Status (a notice without a
 * delivery-status part), nothing is checked but the remote's own code.
 */
static void answer(struct fail *f, const char *status)
{
	char q[8];
	const char *p, *e, *c = first_code(f->text);

	snprintf(q, sizeof q, "(#%u.", f->code / 100);
	if (own_code(f))
		snprintf(f->want, sizeof f->want, "%s", f->enh);
	else if ((p = strstr(f->text, q)) != NULL && (e = strchr(p, ')')) != NULL && e - p - 2 < 15)
		snprintf(f->want, sizeof f->want, "%.*s", (int)(e - p - 2), p + 2);
	else if (status && strcmp(status + 1, ".0.0") == 0 && *c == *status && !f->enh[0])
		snprintf(f->want, sizeof f->want, "%s", c);
	else
		snprintf(f->want, sizeof f->want, "%s", status ? status : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct src s = { data, size };
	struct fail f[MAXR];
	char msg[8192], notice[3072], dsn[3072], line[320], decoy[96];
	unsigned shape, nr, flags;
	size_t o = 0, no = 0, nd = 0;
	struct report r;

	if (!ready) {
		parse_init();
		ready = 1;
	}
	if (size < 4)
		return 0;
	shape = take(&s) % 6;
	flags = take(&s);
	nr = 1 + take(&s) % MAXR;
	address(&s, decoy, sizeof decoy);
	for (unsigned i = 0; i < nr; i++) {
		address(&s, f[i].addr, sizeof f[i].addr);
		for (unsigned k = 0; k < i; k++)
			if (strcasecmp(f[k].addr, f[i].addr) == 0)
				return 0;
		if (strcasecmp(f[i].addr, decoy) == 0)
			return 0;
		/* the notices without a delivery-status part report failures only */
		do
			reply(&s, &f[i], flags & 1 ? decoy : NULL);
		while (shape >= 3 && f[i].code < 500 && s.n);
		if (shape >= 3 && f[i].code < 500)
			return 0;
	}
	for (unsigned i = 0; i < nr; i++) {
		char st[16];

		full(&f[i], line, sizeof line);
		switch (shape) {
		case 0: /* Postfix: its Status is the enhanced code of the reply's class, else class.0.0 */
			mta_status(&f[i], st);
			no += (size_t)snprintf(notice + no, sizeof notice - no, "<%s>: host mx.example.net[192.0.2.7] said: %s"
					       " (in reply to RCPT TO command)\n\n", f[i].addr, line);
			nd += (size_t)snprintf(dsn + nd, sizeof dsn - nd, "\nFinal-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\n"
					       "Action: %s\nStatus: %s\nRemote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; %s\n",
					       f[i].addr, f[i].addr, f[i].code < 500 ? "delayed" : "failed", st, line);
			answer(&f[i], st);
			break;
		case 1: /* Sendmail: Status 5.0.0 / 4.0.0 where the reply has no code of its class */
			mta_status(&f[i], st);
			no += (size_t)snprintf(notice + no, sizeof notice - no, "... while talking to mx.example.net.:\n"
					       ">>> RCPT To:<%s>\n<<< %s\n%u %s <%s>... %s\n", f[i].addr, line, f[i].code, st,
					       f[i].addr, f[i].text);
			nd += (size_t)snprintf(dsn + nd, sizeof dsn - nd, "\nFinal-Recipient: RFC822; %s\nAction: %s\nStatus: %s\n"
					       "Remote-MTA: DNS; mx.example.net\nDiagnostic-Code: SMTP; %s\n"
					       "Last-Attempt-Date: Mon, 1 Jan 2024 00:00:00 +0000\n", f[i].addr,
					       f[i].code < 500 ? "delayed" : "failed", st, line);
			answer(&f[i], st);
			break;
		case 2: /* Exim: Action first, Status class.0.0 */
			snprintf(st, sizeof st, "%u.0.0", f[i].code / 100);
			no += (size_t)snprintf(notice + no, sizeof notice - no, "  %s\n    host mx.example.net [192.0.2.7]\n"
					       "    SMTP error from remote mail server after RCPT TO:<%s>:\n    %s\n",
					       f[i].addr, f[i].addr, line);
			nd += (size_t)snprintf(dsn + nd, sizeof dsn - nd, "\nAction: %s\nFinal-Recipient: rfc822;%s\nStatus: %s\n"
					       "Remote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; %s\n",
					       f[i].code < 500 ? "delayed" : "failed", f[i].addr, st, line);
			answer(&f[i], st);
			break;
		case 3: /* qmail (QSBMF) */
			no += (size_t)snprintf(notice + no, sizeof notice - no, "<%s>:\n192.0.2.7 does not like recipient.\n"
					       "Remote host said: %s\nGiving up on 192.0.2.7.\n\n", f[i].addr, line);
			answer(&f[i], NULL);
			break;
		case 4: /* Exim without DSN */
			no += (size_t)snprintf(notice + no, sizeof notice - no, "  %s\n    SMTP error from remote mail server after "
					       "RCPT TO:<%s>:\n    host mx.example.net [192.0.2.7]: %s\n", f[i].addr, f[i].addr, line);
			answer(&f[i], NULL);
			break;
		default: /* OpenSMTPD */
			no += (size_t)snprintf(notice + no, sizeof notice - no, "%s: %s\n", f[i].addr, line);
			answer(&f[i], NULL);
			break;
		}
		if (no >= sizeof notice || nd >= sizeof dsn)
			return 0;
	}
	o = (size_t)snprintf(msg, sizeof msg, "Return-Path: <>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
			     "From: %s\nTo: sender@example.org\nSubject: %s\nMessage-ID: <b1@mx.example.net>\n%s",
			     shape == 1 ? "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>" :
			     shape == 2 || shape == 4 ? "Mail Delivery System <Mailer-Daemon@mx.example.net>" :
			     "MAILER-DAEMON@mx.example.net (Mail Delivery System)",
			     (const char *[]){ "Undelivered Mail Returned to Sender", "Returned mail: see transcript for details",
					       "Mail delivery failed: returning message to sender", "failure notice",
					       "Mail delivery failed: returning message to sender",
					       "Delivery status notification: error" }[shape],
			     shape == 4 ? "X-Failed-Recipients: " : "");
	if (shape == 4)
		for (unsigned i = 0; i < nr; i++)
			o += (size_t)snprintf(msg + o, sizeof msg - o, "%s%s", i ? ", " : "", f[i].addr);
	if (shape == 4)
		o += (size_t)snprintf(msg + o, sizeof msg - o, "\n");
	if (shape <= 2) {
		o += (size_t)snprintf(msg + o, sizeof msg - o, "MIME-Version: 1.0\nContent-Type: multipart/report;"
				      " report-type=delivery-status;\n\tboundary=\"B.1/mx\"\n\n--B.1/mx\n"
				      "Content-Type: text/plain; charset=us-ascii\n\n%s%s\n--B.1/mx\n"
				      "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n%s\n"
				      "--B.1/mx\nContent-Type: text/rfc822-headers\n\nFrom: sender@example.org\n"
				      "To: someone@example.com\nSubject: hello\n\n--B.1/mx--\n",
				      (const char *[]){ "This is the mail system at host mx.example.net.\n\nI'm sorry to have to"
							" inform you that your message could not\nbe delivered to one or more "
							"recipients.\n\n                   The mail system\n\n",
							"   ----- Transcript of session follows -----\n",
							"This message was created automatically by mail delivery software.\n\n"
							"A message that you sent could not be delivered to one or more of its\n"
							"recipients. This is a permanent error. The following address(es) "
							"failed:\n\n" }[shape], notice, dsn);
	} else {
		o += (size_t)snprintf(msg + o, sizeof msg - o, "\n%s%s%s\n",
				      (const char *[]){ "Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I"
							" wasn't able to deliver your message to the following addresses.\nThis "
							"is a permanent error; I've given up. Sorry it didn't work out.\n\n",
							"This message was created automatically by mail delivery software.\n\nA "
							"message that you sent could not be delivered to one or more of its\n"
							"recipients. This is a permanent error. The following address(es) failed:\n\n",
							"Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n\nAn "
							"error has occurred while attempting to deliver a message for\nthe following "
							"list of recipients:\n\n" }[shape - 3], notice,
				      (const char *[]){ "--- Below this line is a copy of the message.\n\nFrom: sender@example.org\n",
							"------ This is a copy of the message, including all the headers. ------\n\n"
							"From: sender@example.org\n",
							"Below is a copy of the original message:\n\nFrom: sender@example.org\n" }[shape - 3]);
	}
	if (o >= sizeof msg)
		return 0;
	report_init(&r);
	if (parse_message(msg, o, &r) != 0)
		abort();
	if (r.format != FMT_DSN || r.nrcpts != nr) {
		fprintf(stderr, "shape %u: format %d, %zu recipients, %u written\n%s\n", shape, (int)r.format, r.nrcpts, nr, msg);
		abort();
	}
	for (unsigned i = 0; i < nr; i++) {
		const struct rcpt *g = NULL;

		for (size_t k = 0; k < r.nrcpts && !g; k++)
			if (r.rcpts[k].address && strcasecmp(r.rcpts[k].address, f[i].addr) == 0)
				g = &r.rcpts[k];
		if (g == NULL || (f[i].want[0] && (g->status == NULL || strcmp(g->status, f[i].want) != 0))) {
			fprintf(stderr, "shape %u: %s: status %s, want %s\n%s\n", shape, f[i].addr,
				g ? (g->status ? g->status : "none") : "missing", f[i].want, msg);
			abort();
		}
	}
	report_free(&r);
	return 0;
}
