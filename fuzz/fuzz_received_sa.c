/*
 * fuzz_received_sa - libFuzzer target: real Received values against a
 * recorded SpamAssassin table (fuzz/sa_table.h, written by
 * tests/differential/sa_table.py from the corpus values on which abusedesk
 * and SpamAssassin agree on every field), rewritten in ways that do not
 * change what the header says, then read back by rcvd_parse.
 *
 * The input picks a row and a list of rewrites, each at a blank the input
 * picks, as another writer, or a folded and unfolded header, would have it
 * (rcvd_parse reads unfolded values: a fold leaves its blank): a second
 * blank, a tab for the blank, a tab after it, the case of the clause keyword
 * after it changed ("from", "by", "with", "id", "for": RFC 5321's keywords
 * are case-insensitive).
 * Checks: the value is still a relay whose client address and by host are
 * SpamAssassin's recorded ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../parse/received.h"
#include "sa_table.h"

#define NROWS (sizeof(sa_table) / sizeof(sa_table[0]))
#define CAP 8192

/* blank_at - the k-th blank (space) of s[0..n) mod their count, or -1 */
static long blank_at(const char *s, size_t n, unsigned k)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += s[i] == ' ';
	if (count == 0)
		return -1;
	k %= (unsigned)count;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ' ' && k-- == 0)
			return (long)i;
	return -1;
}

/* depth_at - how many parentheses are open at s[at] */
static int depth_at(const char *s, size_t at)
{
	int d = 0;

	for (size_t i = 0; i < at; i++)
		d += s[i] == '(' ? 1 : s[i] == ')' && d > 0 ? -1 : 0;
	return d;
}

/* insert - put t in front of s[at] (s holds *n bytes, CAP at most) */
static void insert(char *s, size_t *n, size_t at, const char *t)
{
	size_t k = strlen(t);

	if (*n + k >= CAP)
		return;
	memmove(s + at + k, s + at, *n - at);
	memcpy(s + at, t, k);
	*n += k;
}

/* LLVMFuzzerTestOneInput - one row, rewritten as the input says */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kws[] = { "from ", "by ", "with ", "id ", "for " };
	const struct sa_row *row;
	char v[CAP];
	size_t n;
	struct hop h;

	if (size < 2)
		return 0;
	row = &sa_table[((size_t)data[0] << 8 | data[1]) % NROWS];
	n = strlen(row->v);
	if (n >= CAP)
		return 0;
	memcpy(v, row->v, n);
	for (size_t i = 2; i + 1 < size && i < 2 + 2 * 16; i += 2) {
		long at = blank_at(v, n, data[i + 1]);

		if (at < 0)
			break;
		switch (data[i] % 4) {
		case 0:
			insert(v, &n, (size_t)at, " ");
			break;
		case 1:
			v[at] = '\t';
			break;
		case 2:
			insert(v, &n, (size_t)at + 1, "\t");
			break;
		default:
			/* a clause keyword: outside comments only (their words are free text) */
			if (depth_at(v, (size_t)at) != 0)
				break;
			for (size_t k = 0; k < sizeof(kws) / sizeof(kws[0]); k++) {
				size_t kl = strlen(kws[k]);

				if ((size_t)at + 1 + kl <= n && strncasecmp(v + at + 1, kws[k], kl) == 0) {
					for (size_t j = 0; j + 1 < kl; j++)
						v[at + 1 + j] ^= (data[i] & (1u << (j % 8))) ? 0x20 : 0;
					break;
				}
			}
			break;
		}
	}
	v[n] = '\0';
	if (rcvd_parse(v, n, &h) != 1 || h.from_ip == NULL || strcmp(h.from_ip, row->ip) != 0 ||
	    h.by == NULL || strcasecmp(h.by, row->by) != 0) {
		fprintf(stderr, "value:  %s\nwant:   ip %s by %s\ngot:    ip %s by %s\n", v, row->ip, row->by,
			h.from_ip ? h.from_ip : "-", h.by ? h.by : "-");
		abort();
	}
	hop_free(&h);
	return 0;
}
