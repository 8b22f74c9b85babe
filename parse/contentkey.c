/*
 * contentkey - the digest of what the sender of a complaint wrote (see
 * contentkey.h): originator and MIME fields and the body, not the trace an
 * MX host or local delivery adds.
 */
#include <string.h>
#include <strings.h>

#include "../util/sha256.h"
#include "contentkey.h"

const char *const content_key_fields[] = {
	"message-id", "date", "from", "sender", "reply-to", "to", "cc", "subject",
	"in-reply-to", "references",
	/* a message resent (redirected) by a person is a new transmission */
	"resent-message-id", "resent-date", "resent-from",
	"mime-version", "content-type", "content-transfer-encoding",
	NULL
};

#define NFIELDS (sizeof(content_key_fields) / sizeof(content_key_fields[0]) - 1)

/* One header field found in place. */
struct field {
	const char *name, *val;
	size_t nlen, vlen;         /* vlen: up to the end of its last line */
};

/* line_end - the end of the line starting at p (the LF, or end) */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* is_blank_line - p starts an empty line (LF or CRLF) */
static int is_blank_line(const char *p, const char *end)
{
	return p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'));
}

/* field_index - the index of name in content_key_fields, or -1 */
static int field_index(const char *name, size_t n)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strlen(content_key_fields[i]) == n && strncasecmp(content_key_fields[i], name, n) == 0)
			return (int)i;
	return -1;
}

/* put_value - the value unfolded (line ends and CRs out), blanks trimmed at both ends */
static void put_value(struct sha256_ctx *c, const char *v, size_t n)
{
	const char *e = v + n;
	const char *run;

	while (v < e && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	for (run = v; v < e; v++) {
		if (*v == '\r' || *v == '\n') {
			sha256_update(c, run, (size_t)(v - run));
			run = v + 1;
		}
	}
	sha256_update(c, run, (size_t)(e - run));
}

/* put_body - the body with CRLF as LF */
static void put_body(struct sha256_ctx *c, const char *p, const char *end)
{
	const char *run = p;

	for (; p < end; p++) {
		if (*p == '\r' && p + 1 < end && p[1] == '\n') {
			sha256_update(c, run, (size_t)(p - run));
			run = p + 1;
		}
	}
	sha256_update(c, run, (size_t)(end - run));
}

int content_key(const char *data, size_t len, char out[65])
{
	const char *p = data, *end = data + len, *body = end;
	struct sha256_ctx c;
	int have_mid = 0;

	out[0] = '\0';
	/* a first pass: is there a Message-ID with a value, and where does the body start */
	while (p < end) {
		const char *le = line_end(p, end), *colon;

		if (is_blank_line(p, end)) {
			body = le < end ? le + 1 : end;
			break;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		if (colon && *p != ' ' && *p != '\t' && field_index(p, (size_t)(colon - p)) == 0) {
			for (const char *v = colon + 1; v < le && !have_mid; v++)
				have_mid = !(*v == ' ' || *v == '\t' || *v == '\r');
		}
		p = le < end ? le + 1 : end;
	}
	if (!have_mid)
		return 0;
	sha256_init(&c);
	sha256_update(&c, "abusedesk content key 1\n", 24);
	/* each field of the list in the list's order, its occurrences in the message's order */
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t n = strlen(content_key_fields[i]);

		for (p = data; p < body;) {
			const char *le = line_end(p, end), *colon, *ve;

			if (is_blank_line(p, end))
				break;
			colon = memchr(p, ':', (size_t)(le - p));
			if (colon == NULL || *p == ' ' || *p == '\t' || (size_t)(colon - p) != n ||
			    strncasecmp(p, content_key_fields[i], n) != 0) {
				p = le < end ? le + 1 : end;
				continue;
			}
			/* the value runs over its continuation lines */
			ve = le;
			while (ve < end && ve + 1 < end && (ve[1] == ' ' || ve[1] == '\t'))
				ve = line_end(ve + 1, end);
			sha256_update(&c, content_key_fields[i], n);
			sha256_update(&c, ":", 1);
			put_value(&c, colon + 1, (size_t)(ve - colon - 1));
			sha256_update(&c, "\n", 1);
			p = ve < end ? ve + 1 : end;
		}
	}
	sha256_update(&c, "\n", 1);
	put_body(&c, body, end);
	sha256_final_hex(&c, out);
	return 1;
}
