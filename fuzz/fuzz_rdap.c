/*
 * fuzz_rdap - libFuzzer target: RDAP answers and bootstrap files (parse/rdap.h).
 *
 * The input is a JSON text. rdap_read: an email taken is a plain address
 * (rdap_email_ok), the entity handle and network text have no control or
 * non-ASCII byte. rdap_bootstrap, for a few fixed addresses: a URL found is
 * http(s), ends in '/' and has no control byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/rdap.h"

/* clean - no byte below 0x20 or above 0x7e */
static void clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ips[] = { "203.0.113.9", "2001:db8::1", "0.0.0.0", "::" };
	struct rdap_info in;
	char err[200], url[300];

	if (size > RDAP_MAX_BODY + 16)
		return 0;
	if (rdap_read((const char *)data, size, &in, err, sizeof(err)) == 0) {
		if (in.email[0] && !rdap_email_ok(in.email))
			abort();
		clean(in.entity);
		clean(in.network);
	}
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		if (rdap_bootstrap((const char *)data, size, ips[i], url, sizeof(url), err, sizeof(err)) != 0)
			continue;
		if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
		    url[strlen(url) - 1] != '/')
			abort();
		for (const char *p = url; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
	}
	return 0;
}
