/*
 * fuzz_received_gen - libFuzzer target: Received headers written in the
 * shapes of Postfix, Sendmail, Exim (its default text, and its items after a
 * bare address), qmail, Yahoo (inbound, SMTP AUTH, webmail), ecelerity, XMail, Scalix, GMX, MDaemon and Domino
 * (as their sources and documentation
 * give them, like tests/differential/gen_received.py), with
 * the names, addresses, ports, identities and comments the input chooses,
 * then read back by rcvd_parse. The input decides the values; the shape
 * decides where they stand, so the answer is known.
 *
 * Checks: the header is a relay; client address, port, rDNS, HELO, ident and
 * by host are what was written; for Yahoo's SMTP AUTH, no ident and the account
 * as the authenticated user; for ecelerity, the queue id too, also when
 * its TLS comment lost its closing parenthesis. Names are built from labels of [a-z0-9-],
 * some of them words the header itself uses ("by", "from", "with", "id",
 * "for", "helo", "unknown" is left out: it means "no name" to Postfix).
 * Postfix and Sendmail write the HELO argument as the client gave it: one
 * may carry a decoy address glued to the name ("h.example[192.0.2.9]",
 * "[192.0.2.9]h.example"), which must stay part of the HELO.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../parse/received.h"
#include "../util/ipaddr.h"
#include "fuzz_src.h"

/* name - a host name of 2-4 labels into out, the last a top-level domain */
static void name(struct src *s, char *out, size_t cap)
{
	static const char *const words[] = { "by", "from", "with", "id", "for", "helo", "mx", "via",
					     "smtp", "esmtp", "local", "port" };
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t o = 0;
	unsigned labels = 1 + take(s) % 3;

	for (unsigned l = 0; l < labels && o + 20 < cap; l++) {
		unsigned c = take(s);

		if (l)
			out[o++] = '.';
		if (c % 4 == 0) {
			o += (size_t)snprintf(out + o, cap - o, "%s", words[(c / 4) % 12]);
			continue;
		}
		for (unsigned k = 0, len = 1 + c % 9; k < len; k++) {
			unsigned b = take(s);
			/* a hyphen only inside a label */
			out[o++] = (k > 0 && k + 1 < len && b % 13 == 0) ? '-' : alnum[b % 36];
		}
	}
	/* the last label is a top-level domain: never all digits */
	o += (size_t)snprintf(out + o, cap - o, ".%s", (const char *[]){ "net", "org", "de", "example",
									 "by", "io" }[take(s) % 6]);
	out[o] = '\0';
	if (strcasecmp(out, "unknown") == 0)
		snprintf(out, cap, "h.example");
}

/* addr - an IPv4 or IPv6 address as written and as canonical text */
static int addr(struct src *s, char *w, char canon[46])
{
	if (take(s) % 4 == 0) {
		snprintf(w, 64, "2001:db8:%x:%x::%x", take(s) << 8 | take(s), take(s), 1 + take(s));
	} else {
		snprintf(w, 64, "%u.%u.%u.%u", 1 + take(s) % 223, take(s), take(s), 1 + take(s) % 254);
	}
	return ip_normalize(w, canon);
}

/* glue - the HELO with a decoy address literal glued before or after it */
static void glue(struct src *s, char *helo, size_t cap)
{
	char d[64], dc[46], tmp[128];
	unsigned before = take(s) & 1;

	if (addr(s, d, dc) != 0 || strchr(d, ':'))
		snprintf(d, sizeof d, "192.0.2.9");
	if (before)
		snprintf(tmp, sizeof tmp, "[%s]%s", d, helo);
	else
		snprintf(tmp, sizeof tmp, "%s[%s]", helo, d);
	snprintf(helo, cap, "%s", tmp);
}

static int same(const char *got, const char *want)
{
	if (!want || !*want)
		return got == NULL || *got == '\0';
	return got && strcasecmp(got, want) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct src s = { data, size };
	char ip[64], canon[46], rdns[128], helo[128], by[128], ident[16], hdr[1024], qid[32] = "";
	const char *w_rdns = NULL, *w_helo = NULL, *w_ident = NULL;
	unsigned shape, port = 0;
	int want_auth = 0;      /* the hop must say who logged in: "... user=IDENT" */
	struct hop h;
	int rc;

	if (!ready) {
		rcvd_init();
		ready = 1;
	}
	if (size < 4)
		return 0;
	shape = take(&s) % 14;
	if (addr(&s, ip, canon) != 0)
		return 0;
	name(&s, rdns, sizeof rdns);
	name(&s, helo, sizeof helo);
	name(&s, by, sizeof by);
	snprintf(ident, sizeof ident, "u%u", take(&s));
	unsigned flags = take(&s);
	if (shape <= 1 && (flags & 8))
		glue(&s, helo, sizeof helo);
	switch (shape) {
	case 0: /* Postfix: from HELO (RDNS [ADDR]) by BY (Postfix) with ESMTP id X */
		w_rdns = flags & 1 ? rdns : NULL;
		w_helo = flags & 2 ? helo : (w_rdns ? w_rdns : "unknown");
		snprintf(hdr, sizeof hdr, "from %s (%s [%s%s]) by %s (Postfix) with ESMTP id 4Abc; "
			 "Mon, 1 Jan 2024 00:00:00 +0000", w_helo, w_rdns ? w_rdns : "unknown",
			 strchr(ip, ':') ? "IPv6:" : "", ip, by);
		if (!w_rdns && !(flags & 2))
			w_helo = "unknown";
		break;
	case 1: /* Sendmail: from HELO ([ident@]RDNS [ADDR]) by BY (8.17.1/8.17.1) with ESMTP id X */
		w_rdns = flags & 1 ? rdns : NULL;
		w_ident = flags & 4 ? ident : NULL;
		w_helo = helo;
		snprintf(hdr, sizeof hdr, "from %s (%s%s%s%s[%s%s]) by %s (8.17.1/8.17.1) with ESMTP id x1; "
			 "Mon, 1 Jan 2024 00:00:00 +0000", w_helo, w_ident ? w_ident : "", w_ident ? "@" : "",
			 w_rdns ? w_rdns : "", w_rdns ? " " : "", strchr(ip, ':') ? "IPv6:" : "", ip, by);
		break;
	case 2: /* Exim: from RDNS ([ADDR]:PORT helo=H) or from [ADDR] (port=N helo=H) */
		port = flags & 8 ? 1024 + (take(&s) << 8 | take(&s)) % 64000 : 0;
		w_rdns = flags & 1 ? rdns : NULL;
		w_helo = flags & 2 ? helo : w_rdns;
		if (w_rdns) {
			char p[16] = "";
			if (port)
				snprintf(p, sizeof p, ":%u", port);
			snprintf(hdr, sizeof hdr, "from %s ([%s]%s%s%s) by %s with esmtp (Exim 4.96) id 1a-2b-3c; "
				 "Mon, 1 Jan 2024 00:00:00 +0000", w_rdns, ip, p, flags & 2 ? " helo=" : "",
				 flags & 2 ? helo : "", by);
		} else {
			char c[200] = "";
			if (port || (flags & 2))
				snprintf(c, sizeof c, " (%s%u%s%s%s)", port ? "port=" : "", port,
					 port && (flags & 2) ? " " : "", flags & 2 ? "helo=" : "", flags & 2 ? helo : "");
			if (!port && (flags & 2))
				snprintf(c, sizeof c, " (helo=%s)", helo);
			snprintf(hdr, sizeof hdr, "from [%s]%s by %s with esmtp (Exim 4.96) id 1a-2b-3c; "
				 "Mon, 1 Jan 2024 00:00:00 +0000", ip, c, by);
		}
		break;
	case 4: /* Exim, a text with $sender_host_address: from ADDR[ ](port=N helo=H ident=I) */
		port = flags & 8 ? 1024 + (take(&s) << 8 | take(&s)) % 64000 : 0;
		w_helo = flags & 2 || !(flags & (4 | 8)) ? helo : NULL;
		w_ident = flags & 4 ? ident : NULL;
		{
			char c[200];
			int k = 0;

			if (port)
				k += snprintf(c + k, sizeof c - (size_t)k, "port=%u", port);
			if (w_helo)
				k += snprintf(c + k, sizeof c - (size_t)k, "%shelo=%s", k ? " " : "", helo);
			if (w_ident)
				snprintf(c + k, sizeof c - (size_t)k, "%sident=%s", k ? " " : "", ident);
			snprintf(hdr, sizeof hdr, "from %s%s(%s) by %s with esmtpa (Exim 4.69) id 1a-2b-3c; "
				 "Mon, 1 Jan 2024 00:00:00 +0000", ip, flags & 16 ? " " : "", c, by);
		}
		break;
	case 5: /* ecelerity: from [ADDR] ([ADDR:PORT] helo=H) by BY (ecelerity ..) with ESMTPS
		 * (cipher=C) id Q; 2.x leaves "[ADDR] " out; the comment's ")" may be lost */
		if (strchr(ip, ':'))
			return 0;   /* its headers show IPv4 clients only */
		port = 1 + (take(&s) << 8 | take(&s)) % 65535;
		w_helo = helo;
		snprintf(qid, sizeof qid, "%02X/%02X-%05u-%08X", take(&s), take(&s), take(&s) * 257u,
			 take(&s) * 16777619u);
		{
			char f[80] = "";

			if (!(flags & 1))
				snprintf(f, sizeof f, "[%s] ", ip);
			snprintf(hdr, sizeof hdr, "from %s([%s:%u] helo=%s) by %s (envelope-from <a@%s>) "
				 "(ecelerity 3.6.21.53563 r(Core:3.6.21.0)) with ESMTPS (cipher=AES256-SHA%s "
				 "id %s for <b@%s>; Mon, 1 Jan 2024 00:00:00 +0000", f, ip, port, helo, by,
				 by, flags & 16 ? "" : ")", qid, by);
		}
		break;
	case 6: /* XMail: from HELO (ADDR:PORT) by BY with [XMail ..] id <Q> for <a> from <b>;
		 * the brackets around the address optional; IPv4 (a port after IPv6 is no boundary) */
		if (strchr(ip, ':'))
			return 0;
		port = 1 + (take(&s) << 8 | take(&s)) % 65535;
		w_helo = helo;
		snprintf(qid, sizeof qid, "S%X", 16 + take(&s) * 257u);
		snprintf(hdr, sizeof hdr, "from %s (%s%s%s:%u) by %s with [XMail 1.27 ESMTP Server] id <%s> "
			 "for <a@%s> from <b@%s>; Sat, 18 Sep 2004 23:17:54 -0500", helo, flags & 1 ? "[" : "", ip,
			 flags & 1 ? "]" : "", port, by, qid, by, by);
		break;
	case 7: /* Scalix: from HELO ( ADDR) by BY (Scalix SMTP Relay 11.4.6.24) via ESMTP */
		w_helo = helo;
		snprintf(hdr, sizeof hdr, "from %s ( %s) by %s (Scalix SMTP Relay 11.4.6.24) via ESMTP; "
			 "Fri, 23 Jun 2006 16:39:47 -0500 (CDT)", helo, ip, by);
		break;
	case 8: /* GMX / WEB.DE: from RDNS (EHLO H) [ADDR] by BY (mp010) with ESMTP */
		w_rdns = flags & 1 ? rdns : NULL;
		w_helo = helo;
		snprintf(hdr, sizeof hdr, "from %s (%s %s) [%s] by %s (mp010) with ESMTP; "
			 "03 Feb 2007 13:13:47 +0100", w_rdns ? w_rdns : "unknown", flags & 2 ? "HELO" : "EHLO",
			 helo, ip, by);
		break;
	case 9: /* MDaemon: from HELO (RDNS [ADDR]) by BY (MDaemon PRO v19.0.2) with ESMTP id md5N.msg,
		 * "unverified" where no name was confirmed */
		w_rdns = flags & 1 ? rdns : NULL;
		w_helo = helo;
		snprintf(qid, sizeof qid, "md5%010u.msg", take(&s) * 16777619u);
		snprintf(hdr, sizeof hdr, "from %s (%s [%s]) by %s (MDaemon PRO v19.0.2) with ESMTP id %s; "
			 "Tue, 16 Jul 2019 11:39:22 +0200", helo, w_rdns ? w_rdns : "unverified", ip, by, qid);
		break;
	case 10: /* Domino: from HELO ([ADDR]) by BY (Lotus Domino Release 9.0.1) with ESMTP id Q ; DATE */
		w_helo = helo;
		snprintf(qid, sizeof qid, "2014031214213400-%u", take(&s));
		snprintf(hdr, sizeof hdr, "from %s ([%s]) by %s (Lotus Domino Release 9.0.1) with ESMTP id %s ; "
			 "Tue, 12 Mar 2002 14:21:34 +0100", helo, ip, by, qid);
		break;
	case 11: /* Yahoo SMTP AUTH: from RDNS (HELO H) (USER@ADDR with MECH) by BY with SMTP;
		  * without "(HELO H)" when it equals the host, as qmail writes it */
		w_rdns = rdns;
		w_helo = flags & 2 ? helo : rdns;
		want_auth = 1;
		snprintf(hdr, sizeof hdr, "from %s%s%s%s (%s@%s with %s) by %s with SMTP; 17 Jan 2011 08:23:27 -0800 PST",
			 rdns, flags & 2 ? " (HELO " : "", flags & 2 ? helo : "", flags & 2 ? ")" : "", ident, ip,
			 (const char *[]){ "login", "plain", "LOGIN", "CRAM-MD5" }[(flags >> 4) % 4], by);
		break;
	case 12: /* Yahoo inbound: from ADDR (EHLO H) (ADDR) by BY with SMTP; the EHLO may be empty,
		  * and the address stands where qmail writes the host */
		w_rdns = ip;
		w_helo = flags & 2 ? helo : NULL;
		snprintf(hdr, sizeof hdr, "from %s (EHLO %s) (%s) by %s with %s; Sun, 25 Jan 2004 00:24:37 -0800",
			 ip, flags & 2 ? helo : "", ip, by, flags & 1 ? "SMTPS" : "SMTP");
		break;
	case 13: /* Yahoo webmail: from [ADDR] by BY via HTTP; no HELO, no rDNS */
		snprintf(hdr, sizeof hdr, "from [%s] by %s via HTTP; Mon, 1 Jan 2024 00:00:00 +0000", ip, by);
		break;
	default: /* qmail: from RDNS (HELO h) (ADDR) by BY with SMTP */
		if (strchr(ip, ':'))
			return 0;   /* qmail writes IPv4 */
		w_rdns = flags & 1 ? rdns : NULL;
		w_helo = flags & 2 ? helo : (w_rdns ? w_rdns : "unknown");
		snprintf(hdr, sizeof hdr, "from %s%s%s%s (%s) by %s with SMTP; 1 Jan 2024 00:00:00 -0000",
			 w_rdns ? w_rdns : "unknown", flags & 2 ? " (HELO " : "", flags & 2 ? helo : "",
			 flags & 2 ? ")" : "", ip, by);
		break;
	}
	rc = rcvd_parse(hdr, strlen(hdr), &h);
	if (rc != 1) {
		fprintf(stderr, "not a relay: %s\n", hdr);
		abort();
	}
	if (!same(h.from_ip, canon) || !same(h.by, by) || !same(h.from_rdns, w_rdns) ||
	    !same(h.helo, w_helo) || !same(h.ident, w_ident) || (unsigned)h.port != port ||
	    (qid[0] && !same(h.id, qid)) ||
	    (want_auth && (!h.auth || !strstr(h.auth, "user=") || strcmp(strstr(h.auth, "user=") + 5, ident) != 0))) {
		fprintf(stderr, "misread: %s\n  ip %s rdns %s helo %s ident %s by %s port %d id %s auth %s\n", hdr,
			h.from_ip ? h.from_ip : "-", h.from_rdns ? h.from_rdns : "-", h.helo ? h.helo : "-",
			h.ident ? h.ident : "-", h.by ? h.by : "-", h.port, h.id ? h.id : "-", h.auth ? h.auth : "-");
		abort();
	}
	hop_free(&h);
	return 0;
}
