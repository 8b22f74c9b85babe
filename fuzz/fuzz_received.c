/*
 * fuzz_received - libFuzzer target: one Received header value through
 * rcvd_parse and hop_to_json.
 *
 * Checks: the result is -1, 0 or 1; a relay's from_ip is a canonical
 * address (ip_normalize gives it back unchanged); the JSON has no control byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/received.h"
#include "../util/ipaddr.h"

/* LLVMFuzzerTestOneInput - parse data as one unfolded header value */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct hop h;
	struct buf out;
	char canon[46];
	int rc;

	if (!ready) {
		rcvd_init();
		ready = 1;
	}
	rc = rcvd_parse((const char *)data, size, &h);
	if (rc < -1 || rc > 1)
		abort();
	if (rc != 1)
		return 0;
	if (h.from_ip && (ip_normalize(h.from_ip, canon) != 0 || strcmp(canon, h.from_ip) != 0))
		abort();
	buf_init(&out, 0);
	hop_to_json(&h, &out);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.data[i] < 0x20)
			abort();
	buf_free(&out);
	hop_free(&h);
	return 0;
}
