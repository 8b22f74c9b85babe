/*
 * fuzz_parse - libFuzzer target: one whole message through parse_message
 * (ARF, X-ARF YAML, DSN, forwarded, ...) and its JSON form.
 *
 * Checks beyond "no crash": the caps of parse/report.h hold and the JSON
 * line holds no raw control byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	return 0;
}
