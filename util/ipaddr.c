/*
 * ipaddr - IPv4/IPv6 addresses and CIDR networks.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipaddr.h"
#include "mem.h"
#include "str.h"

static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* ip_parse - text to address */
int ip_parse(const char *s, struct ipaddr *out)
{
	char tmp[64];
	size_t n;
	struct in_addr a4;

	if (s == NULL)
		return -1;
	if (strncasecmp(s, "IPv6:", 5) == 0)
		s += 5;
	if (*s == '[')
		s++;
	n = strcspn(s, "]%");
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (s[n] == '%')     /* zone id: ignore */
		;
	else if (s[n] == ']' && s[n + 1] != '\0')
		return -1;
	else if (s[n] != '\0' && s[n] != ']')
		return -1;
	if (strchr(tmp, ':') == NULL) {
		if (inet_pton(AF_INET, tmp, &a4) != 1)
			return -1;
		memcpy(out->b, v4mapped, 12);
		memcpy(out->b + 12, &a4, 4);
		return 0;
	}
	if (strncasecmp(tmp, "IPv6:", 5) == 0)
		memmove(tmp, tmp + 5, strlen(tmp + 5) + 1);
	if (inet_pton(AF_INET6, tmp, out->b) != 1)
		return -1;
	return 0;
}

int ip_is_v4(const struct ipaddr *a)
{
	return memcmp(a->b, v4mapped, 12) == 0;
}

/* format_v4 - dotted quad of 4 bytes, as inet_ntop writes it (no stdio) */
static void format_v4(const unsigned char *b, char *out)
{
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

void ip_format(const struct ipaddr *a, char out[46])
{
	if (ip_is_v4(a))
		format_v4(a->b + 12, out);
	else
		inet_ntop(AF_INET6, a->b, out, 46);
}

int ip_normalize(const char *s, char out[46])
{
	struct ipaddr a;

	if (ip_parse(s, &a) < 0)
		return -1;
	ip_format(&a, out);
	return 0;
}

int ip_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	return memcmp(a->b, b->b, 16);
}

static int in_net(const struct ipaddr *a, const char *net)
{
	struct cidr c;

	return cidr_parse(net, &c) == 0 && cidr_contains(&c, a);
}

int ip_is_private(const struct ipaddr *a)
{
	static const char *nets[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8",
		"::1/128", "fc00::/7", "fe80::/10", "::/128" };

	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		if (in_net(a, nets[i]))
			return 1;
	return 0;
}

int ip_is_loopback(const struct ipaddr *a)
{
	return in_net(a, "127.0.0.0/8") || in_net(a, "::1/128");
}

static void mask(struct ipaddr *a, int prefix)
{
	for (int i = 0; i < 16; i++) {
		int bits = prefix - i * 8;

		if (bits >= 8)
			continue;
		if (bits <= 0)
			a->b[i] = 0;
		else
			a->b[i] &= (unsigned char)(0xff << (8 - bits));
	}
}

/* cidr_parse - network or single address */
int cidr_parse(const char *s, struct cidr *out)
{
	char tmp[80];
	char *slash;
	long p;
	int v4;

	if (s == NULL || str_copy(tmp, sizeof(tmp), s) < 0)
		return -1;
	str_trim(tmp);
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = '\0';
	if (ip_parse(tmp, &out->addr) < 0)
		return -1;
	v4 = ip_is_v4(&out->addr) && strchr(tmp, ':') == NULL;
	if (slash == NULL)
		p = v4 ? 32 : 128;
	else if (str_to_long(slash, 0, v4 ? 32 : 128, &p) < 0)
		return -1;
	out->prefix = (int)(v4 ? p + 96 : p);
	mask(&out->addr, out->prefix);
	return 0;
}

int cidr_contains(const struct cidr *c, const struct ipaddr *a)
{
	struct ipaddr m = *a;

	mask(&m, c->prefix);
	return memcmp(m.b, c->addr.b, 16) == 0;
}

void cidr_format(const struct cidr *c, char out[64])
{
	char ip[46];

	ip_format(&c->addr, ip);
	snprintf(out, 64, "%s/%d", ip, ip_is_v4(&c->addr) && c->prefix >= 96 ? c->prefix - 96 : c->prefix);
}

void cidr_range(const struct cidr *c, struct ipaddr *first, struct ipaddr *last)
{
	*first = c->addr;
	*last = c->addr;
	for (int i = 0; i < 16; i++) {
		int bits = c->prefix - i * 8;

		if (bits >= 8)
			continue;
		if (bits <= 0)
			last->b[i] = 0xff;
		else
			last->b[i] |= (unsigned char)(0xff >> bits);
	}
}

void netlist_add(struct netlist *l, const struct cidr *c)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *c;
}

int netlist_parse(struct netlist *l, const char *s, char **bad)
{
	char *copy = xstrdup(s), *save = NULL, *tok;
	struct cidr c;

	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (cidr_parse(tok, &c) < 0) {
			if (bad)
				*bad = xstrdup(tok);
			free(copy);
			return -1;
		}
		netlist_add(l, &c);
	}
	free(copy);
	return 0;
}

int netlist_contains(const struct netlist *l, const struct ipaddr *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (cidr_contains(&l->v[i], a))
			return 1;
	return 0;
}

void netlist_free(struct netlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
