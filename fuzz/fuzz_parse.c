/*
 * fuzz_parse - libFuzzer target: one whole message through parse_message
 * (ARF, X-ARF YAML, DSN, forwarded, ...), its JSON form and its content key.
 *
 * Checks beyond "no crash": the caps of parse/report.h hold, the JSON
 * line holds no raw control byte, and the content key is 64 hex digits or
 * none, and the same with the message's LF line ends written as CRLF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/contentkey.h"
#include "../parse/report.h"

/* LLVMFuzzerTestOneInput - parse data as one message */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct report r;
	struct buf out;

	if (!ready) {
		parse_init();
		ready = 1;
	}
	report_init(&r);
	if (parse_message((const char *)data, size, &r) != 0)
		abort();
	if (r.nhops > PARSE_MAX_HOPS || r.nrcpts > PARSE_MAX_RCPTS ||
	    r.warnings.n > PARSE_MAX_WARNINGS || r.original_rcpt_to.n > PARSE_MAX_LIST ||
	    r.reported_domains.n > PARSE_MAX_LIST || r.reported_uris.n > PARSE_MAX_LIST)
		abort();
	if (r.orig.headers && strlen(r.orig.headers) > PARSE_MAX_ORIG_HEADERS)
		abort();
	buf_init(&out, 0);
	report_to_json(&r, "fuzz", &out);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.data[i] < 0x20)
			abort();
	buf_free(&out);
	report_free(&r);
	{
		char k1[65], k2[65];
		int h1 = content_key((const char *)data, size, k1), h2;
		struct buf crlf;

		if ((h1 && strspn(k1, "0123456789abcdef") != 64) || (!h1 && *k1))
			abort();
		/* CRLF for every LF not after a CR: the same key (a bare CR stays, it is no line end) */
		buf_init(&crlf, 0);
		for (size_t i = 0; i < size; i++) {
			if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
				buf_putc(&crlf, '\r');
			buf_putc(&crlf, (char)data[i]);
		}
		h2 = content_key(crlf.data ? crlf.data : "", crlf.len, k2);
		if (h1 != h2 || (h1 && strcmp(k1, k2) != 0))
			abort();
		buf_free(&crlf);
	}
	return 0;
}
