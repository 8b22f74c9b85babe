/*
 * fuzz_ipaddr - libFuzzer target: IP and CIDR parsing (util/ipaddr.h).
 *
 * The input is a text; checks round trips: ip_format of a parsed address
 * parses back to the same address, cidr_format of a parsed network parses
 * back to the same network, the network contains its range ends, and a
 * netlist of the text contains each of its networks' addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/ipaddr.h"
#include "../util/mem.h"

/* check_ip - parse/format/parse round trip of one address text */
static void check_ip(const char *s)
{
	struct ipaddr a, b;
	char t[46], u[46];

	if (ip_parse(s, &a) != 0)
		return;
	ip_format(&a, t);
	if (ip_parse(t, &b) != 0 || ip_cmp(&a, &b) != 0)
		abort();
	if (ip_normalize(s, u) != 0 || strcmp(t, u) != 0)
		abort();
	(void)ip_is_private(&a);
}

/* check_cidr - parse/format/parse round trip of one network text */
static void check_cidr(const char *s)
{
	struct cidr c, d;
	struct ipaddr lo, hi;
	char t[64];

	if (cidr_parse(s, &c) != 0)
		return;
	if (c.prefix < 0 || c.prefix > 128)
		abort();
	cidr_format(&c, t);
	if (cidr_parse(t, &d) != 0 || d.prefix != c.prefix || ip_cmp(&c.addr, &d.addr) != 0)
		abort();
	cidr_range(&c, &lo, &hi);
	if (!cidr_contains(&c, &lo) || !cidr_contains(&c, &hi) || ip_cmp(&lo, &hi) > 0)
		abort();
}

/* check_list - every parsed network's first address is in the list */
static void check_list(const char *s)
{
	struct netlist l = {0};
	char *bad = NULL;
	struct ipaddr lo, hi;

	if (netlist_parse(&l, s, &bad) == 0)
		for (size_t i = 0; i < l.n; i++) {
			cidr_range(&l.v[i], &lo, &hi);
			if (!netlist_contains(&l, &lo) || !netlist_contains(&l, &hi))
				abort();
		}
	free(bad);
	netlist_free(&l);
}

/* LLVMFuzzerTestOneInput - the input as address, network and list */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	check_ip(s);
	check_cidr(s);
	check_list(s);
	free(s);
	return 0;
}
