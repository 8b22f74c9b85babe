/*
 * category - the normalised category of a report (spam, login-attack, scan,
 * ddos, phishing, malware, copyright, fraud, other) and the record of which
 * field named its source address.
 *
 * X-ARF: the Report-Type (0.1/0.2) or ReportType (v3/v4) decides, else the
 * Category / ReportClass; names are compared without case, '-', '_' or
 * blanks, so "login-attack", "LoginAttack" and "login_attack" are one.
 * ARF: feedback type fraud is fraud, virus is malware, anything else spam.
 * ACNS notices are copyright. SpamCop, JMRP and bounces are spam; DMARC reports and auto-replies other.
 * Forwards are spam unless their subject or the words above the forwarded
 * part say otherwise; plain text is what its subject or text says, else
 * other. Keywords are looked for in the subject first.
 */
#include <ctype.h>
#include <string.h>

#include "parse_int.h"
#include "../util/mem.h"

/* KW_TEXT_MAX - bytes of a body's text looked at for keywords */
#define KW_TEXT_MAX 65536

struct kw { enum report_category cat; const char *word; };

/* the order is the precedence: the more specific kinds first */
static const struct kw keywords[] = {
	{ CAT_COPYRIGHT, "copyright" }, { CAT_COPYRIGHT, "dmca" }, { CAT_COPYRIGHT, "infringement" },
	{ CAT_COPYRIGHT, "infringing" }, { CAT_COPYRIGHT, "acns" }, { CAT_COPYRIGHT, "pirated" },
	{ CAT_PHISHING, "phish" },
	{ CAT_MALWARE, "malware" }, { CAT_MALWARE, "botnet" }, { CAT_MALWARE, "trojan" },
	{ CAT_MALWARE, "ransomware" }, { CAT_MALWARE, "command and control" },
	{ CAT_MALWARE, "c&c server" }, { CAT_MALWARE, "sinkhole" },
	{ CAT_DDOS, "ddos" }, { CAT_DDOS, "denial of service" }, { CAT_DDOS, "denial-of-service" },
	{ CAT_DDOS, "syn flood" }, { CAT_DDOS, "udp flood" }, { CAT_DDOS, "amplification attack" },
	{ CAT_LOGIN_ATTACK, "fail2ban" }, { CAT_LOGIN_ATTACK, "brute force" },
	{ CAT_LOGIN_ATTACK, "brute-force" }, { CAT_LOGIN_ATTACK, "bruteforce" },
	{ CAT_LOGIN_ATTACK, "login attempt" }, { CAT_LOGIN_ATTACK, "login attack" },
	{ CAT_LOGIN_ATTACK, "login-attack" }, { CAT_LOGIN_ATTACK, "failed password" },
	{ CAT_LOGIN_ATTACK, "authentication failure" }, { CAT_LOGIN_ATTACK, "password guessing" },
	{ CAT_LOGIN_ATTACK, "invalid user" },
	{ CAT_SCAN, "port scan" }, { CAT_SCAN, "portscan" }, { CAT_SCAN, "port-scan" },
	{ CAT_SCAN, "scanning" }, { CAT_SCAN, "scans " }, { CAT_SCAN, "scanned our" },
	{ CAT_SCAN, "masscan" }, { CAT_SCAN, "nmap" },
	{ CAT_FRAUD, "fraud" }, { CAT_FRAUD, "scam" },
	{ CAT_SPAM, "spam" }, { CAT_SPAM, "unsolicited" }, { CAT_SPAM, "junk mail" },
};

/* kw_find - the first category whose keyword is in s[0..n); CAT_NONE */
static enum report_category kw_find(const char *s, size_t n)
{
	if (s == NULL || n == 0)
		return CAT_NONE;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (mem_casestr(s, n, keywords[i].word))
			return keywords[i].cat;
	return CAT_NONE;
}

/* kw_text - the subject's category, else the text's (first KW_TEXT_MAX bytes) */
static enum report_category kw_text(const struct report *r, const char *t, size_t n)
{
	enum report_category c = r->subject ? kw_find(r->subject, strlen(r->subject)) : CAT_NONE;

	if (c == CAT_NONE)
		c = kw_find(t, n > KW_TEXT_MAX ? KW_TEXT_MAX : n);
	return c;
}

/* squash - lowercase s without '-', '_' and blanks into out */
static void squash(const char *s, char *out, size_t size)
{
	size_t k = 0;

	for (; s && *s && k + 1 < size; s++)
		if (*s != '-' && *s != '_' && *s != ' ' && *s != '\t')
			out[k++] = (char)tolower((unsigned char)*s);
	out[k] = '\0';
}

/* xarf_name - the category an X-ARF category or type name stands for; CAT_NONE */
static enum report_category xarf_name(const char *name)
{
	static const struct kw names[] = {
		{ CAT_LOGIN_ATTACK, "login" }, { CAT_LOGIN_ATTACK, "bruteforce" },
		{ CAT_LOGIN_ATTACK, "authentication" }, { CAT_DDOS, "ddos" }, { CAT_DDOS, "flood" },
		{ CAT_SCAN, "scan" }, { CAT_PHISHING, "phish" }, { CAT_MALWARE, "malware" },
		{ CAT_MALWARE, "virus" }, { CAT_MALWARE, "botnet" }, { CAT_MALWARE, "trojan" },
		{ CAT_MALWARE, "infected" }, { CAT_MALWARE, "bot" }, { CAT_COPYRIGHT, "copyright" },
		{ CAT_COPYRIGHT, "dmca" }, { CAT_COPYRIGHT, "infring" }, { CAT_FRAUD, "fraud" },
		{ CAT_FRAUD, "scam" }, { CAT_SPAM, "spam" }, { CAT_SPAM, "messages" },
	};
	char s[128];

	squash(name, s, sizeof(s));
	if (!*s)
		return CAT_NONE;
	if (!strcmp(s, "dos"))
		return CAT_DDOS;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(s, names[i].word))
			return names[i].cat;
	return CAT_NONE;
}

/* source_field_default - which field named the source, by format */
static const char *source_field_default(enum report_format f)
{
	switch (f) {
	case FMT_ARF: return "ARF Source-IP";
	case FMT_XARF: return "X-ARF Source";
	case FMT_SPAMCOP: return "SpamCop report";
	case FMT_JMRP: return "JMRP report";
	case FMT_SES: return "SES mail.sourceIp";
	case FMT_PLAIN: return "text";
	case FMT_FEED: return "feed";
	default: return "report";
	}
}

/* report_categorize - the normalised category and the source's field (after the readers) */
void report_categorize(struct pctx *c, struct report *r)
{
	enum report_category cat = CAT_NONE;
	const char *ft = r->feedback_type;

	switch (r->format) {
	case FMT_XARF:
		cat = xarf_name(r->feedback_type);
		if (cat == CAT_NONE)
			cat = xarf_name(r->category);
		if (cat == CAT_NONE)
			cat = CAT_OTHER;
		break;
	case FMT_ARF: case FMT_SES:
		cat = ft && !strcmp(ft, "fraud") ? CAT_FRAUD : ft && !strcmp(ft, "virus") ? CAT_MALWARE :
		      CAT_SPAM;
		break;
	case FMT_SPAMCOP: case FMT_JMRP: case FMT_DSN:
		cat = CAT_SPAM;
		break;
	case FMT_ACNS:
		cat = CAT_COPYRIGHT;
		break;
	case FMT_FEED:
		cat = kw_text(r, c->body_text, c->body_text_len);
		if (cat == CAT_NONE && r->nevents)
			cat = kw_find(r->events[0].type, strlen(r->events[0].type));
		if (cat == CAT_NONE)
			cat = CAT_OTHER;
		break;
	case FMT_FORWARD: {
		/* the words above the forwarded message, not the message's own */
		size_t n = c->body_text_len < 4096 ? c->body_text_len : 4096;

		cat = kw_text(r, c->body_text, n);
		if (cat == CAT_NONE)
			cat = CAT_SPAM;
		break;
	}
	case FMT_PLAIN:
		cat = kw_text(r, c->body_text, c->body_text_len);
		if (cat == CAT_NONE)
			cat = CAT_OTHER;
		break;
	default:
		cat = CAT_OTHER;
		break;
	}
	r->abuse_category = cat;
	if (r->source_ip && !r->source_field)
		set_str(&r->source_field, source_field_default(r->format));
	if (r->source_ip && r->source_sure == SRC_SURE_NONE)
		r->source_sure = r->format == FMT_PLAIN ? SRC_SURE_LOW : SRC_SURE_HIGH;
}
