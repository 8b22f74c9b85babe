/*
 * ipaddr - IPv4/IPv6 addresses and CIDR networks.
 *
 * Every address is kept as 16 bytes in IPv6 form; IPv4 is stored as the
 * IPv4-mapped ::ffff:a.b.c.d, so one comparison serves both families and a
 * "::ffff:192.0.2.1" written by an MTA equals "192.0.2.1".
 */
#ifndef AD_IPADDR_H
#define AD_IPADDR_H

#include <stddef.h>

struct ipaddr {
	unsigned char b[16];
};

struct cidr {
	struct ipaddr addr;   /* masked network address */
	int prefix;           /* 0..128, in IPv6 terms (IPv4 /24 is 120) */
};

struct netlist {
	struct cidr *v;
	size_t n, cap;
};

/* ip_parse - "192.0.2.1", "2001:db8::1", "[...]", "IPv6:...", "::ffff:a.b.c.d"; 0 or -1 */
int ip_parse(const char *s, struct ipaddr *out);
int ip_is_v4(const struct ipaddr *a);
/* ip_format - canonical text: dotted quad for IPv4 (mapped), RFC 5952 for IPv6 */
void ip_format(const struct ipaddr *a, char out[46]);
/* ip_normalize - canonical text of s into out, 0 or -1 when s is not an address */
int ip_normalize(const char *s, char out[46]);
int ip_cmp(const struct ipaddr *a, const struct ipaddr *b);
/* ip_is_private - RFC 1918, CGNAT, loopback, link-local, ULA: not routable */
int ip_is_private(const struct ipaddr *a);
/* ip_is_loopback - 127.0.0.0/8 or ::1 (IPv4-mapped included) */
int ip_is_loopback(const struct ipaddr *a);

/* cidr_parse - "192.0.2.0/24", "2001:db8::/32", or a bare address (/32, /128) */
int cidr_parse(const char *s, struct cidr *out);
int cidr_contains(const struct cidr *c, const struct ipaddr *a);
void cidr_format(const struct cidr *c, char out[64]);
/* cidr_range - first and last address of the network */
void cidr_range(const struct cidr *c, struct ipaddr *first, struct ipaddr *last);

void netlist_add(struct netlist *l, const struct cidr *c);
/* netlist_parse - comma/space separated CIDRs; on error returns -1 and sets *bad to the bad token (owned by caller) */
int netlist_parse(struct netlist *l, const char *s, char **bad);
int netlist_contains(const struct netlist *l, const struct ipaddr *a);
void netlist_free(struct netlist *l);

#endif
