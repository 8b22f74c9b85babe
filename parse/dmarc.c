/*
 * dmarc - DMARC aggregate reports (rua): the XML, gzip or zip attachment
 * inflated (capped at DMARC_MAX_XML) and handed to rua.c, and the bounce-like
 * test that sends other mail to the DSN reader. DMARC failure reports (ruf)
 * are ARF auth-failure reports and stay with arf.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "unpack.h"
#include "../util/mem.h"

#define DMARC_MAX_XML (16 * 1024 * 1024)

/* dmarc_parse - a DMARC aggregate report; 1 when taken */
int dmarc_parse(struct pctx *c, struct report *r)
{
	const char *s = r->subject;
	char *t, *x = NULL;
	size_t n, xl = 0;
	enum unpack_err why = UNPACK_OK;
	int subj = s && (mem_casestr(s, strlen(s), "dmarc") || mem_casestr(s, strlen(s), "Report domain"));

	if (!c->dmarc)
		return 0;
	t = mp_decode(c->dmarc, DMARC_MAX_XML, &n);
	if (!t)
		return 0;
	if (unpack_kind(t, n) != UNPACK_NONE)
		x = unpack(t, n, DMARC_MAX_XML, &xl, NULL, 0, &why);
	else {
		x = t;
		xl = n;
		t = NULL;
	}
	if (x && mem_casestr(x, xl > 4096 ? 4096 : xl, "feedback")) {
		r->format = FMT_DMARC;
		if (rua_read(r, x, xl) != 0)
			report_warn(r, "DMARC report XML unreadable before its <feedback> element");
		if (why == UNPACK_CUT)
			report_warn(r, "DMARC report larger than %d MB uncompressed; cut there",
				    DMARC_MAX_XML / (1024 * 1024));
		else if (why != UNPACK_OK)
			report_warn(r, "DMARC report attachment's compressed data broken or cut short");
	} else if (subj && !x) {
		r->format = FMT_DMARC;
		report_warn(r, "DMARC report attachment could not be decompressed");
	}
	free(t);
	free(x);
	if (r->format != FMT_DMARC)
		return 0;
	set_str(&r->category, "dmarc-aggregate");
	set_str(&r->feedback_type, "dmarc-aggregate");
	return 1;
}

/* bounce_like - From/Subject of a non-delivery notice */
int bounce_like(struct pctx *c)
{
	struct mpart *m = c->msg;
	const char *s = hdr(m, "Subject");

	if (header_is(m, "From", "mailer-daemon") || header_is(m, "From", "postmaster@") ||
	    header_is(m, "From", "post_master@") ||      /* Apache James */
	    header_is(m, "Return-Path", "<>") || hdr(m, "X-Failed-Recipients"))
		return 1;
	/* Amazon SES bounce and delivery notifications arrive as SNS JSON mail */
	if (header_is(m, "From", "@sns.amazonaws.com") || hdr(m, "x-amz-sns-message-id"))
		return 1;
	return s && dsn_subject_bounce(s, strlen(s));
}
