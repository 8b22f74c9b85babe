/*
 * mime - make hostile text safe to put into a message we send.
 *
 * Header values: control characters become spaces, invalid UTF-8 becomes
 * U+FFFD, and a value with non-ASCII, an "=?" (which a reader would take for
 * an encoded word) or a word too long to fold is written entirely as RFC 2047
 * encoded words (B, or Q where B would need padding mid-value); everything is folded below 78 columns. Bodies go out
 * quoted-printable, so no line is long and no hostile line survives verbatim
 * in a way that could end a MIME part. Addresses are accepted only as plain
 * addr-spec: a CR, LF, space, quote, comment or display name is refused.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../util/json.h"
#include "../util/mem.h"
#include "../util/str.h"
#include "internal.h"

/* atext - RFC 5322 atom characters */
static int atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dot_atom_ok - [s, s+n) is atoms joined by single dots */
static int dot_atom_ok(const char *s, size_t n, int hostname)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (hostname ? !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					 (c >= '0' && c <= '9') || c == '-') : !atext(c)) {
			return 0;
		}
	}
	return 1;
}

int mime_addr_ok(const char *addr)
{
	const char *at;
	size_t n;

	if (addr == NULL || (n = strlen(addr)) == 0 || n > 254)
		return 0;
	if ((at = strrchr(addr, '@')) == NULL || at == addr || at - addr > 64)
		return 0;
	return dot_atom_ok(addr, (size_t)(at - addr), 0) && dot_atom_ok(at + 1, strlen(at + 1), 1);
}

void mime_clean(struct buf *out, const char *s, size_t max, int multiline)
{
	size_t n = s ? strlen(s) : 0, start = out->len;
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq_len(p + i, n - i);

		if (out->len - start + 4 > max) {
			buf_puts(out, "...");
			return;
		}
		unsigned cp;
		size_t c = str_ctl_len(s + i, n - i, &cp);

		if (c > 0) {            /* C0, DEL, C1 (UTF-8 or a stray byte), bidi */
			if (p[i] == '\n' && multiline)
				buf_putc(out, '\n');
			else if (p[i] != '\r' || !multiline)
				buf_putc(out, ' ');
			i += c;
		} else if (k == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			i++;
		} else {
			buf_append(out, p + i, k);
			i += k;
		}
	}
}

/* needs_encoding - non-ASCII, "=?" or a word longer than fits on a folded line */
static int needs_encoding(const char *v, size_t namelen)
{
	size_t word = 0;

	if (strstr(v, "=?") != NULL)
		return 1;
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			return 1;
		word = *p == ' ' ? 0 : word + 1;
		if (word + namelen + 2 > 76)
			return 1;
	}
	return 0;
}

/* fold_plain - append printable ASCII v, breaking at spaces before column 78 */
static void fold_plain(struct buf *out, const char *v, size_t col)
{
	const char *p = v;

	while (*p) {
		const char *sp = strchr(p + 1, ' ');
		size_t wl = sp ? (size_t)(sp - p) : strlen(p);

		if (col + wl > 78 && p != v && *p == ' ') {
			buf_puts(out, "\r\n");
			col = 0;
		}
		buf_append(out, p, wl);
		col += wl;
		p += wl;
	}
}

/* fit - bytes of whole UTF-8 characters of v[i..n) that fit in room (at least 1);
 * *take3 gets the longest such prefix whose length is a multiple of 3 (0 if none) */
static size_t fit(const char *v, size_t i, size_t n, size_t room, size_t *take3)
{
	size_t take = 0;

	*take3 = 0;
	while (i + take < n) {
		size_t k = utf8_seq_len((const unsigned char *)v + i + take, n - i - take);

		if (k == 0)
			k = 1;
		if (take + k > room)
			break;
		take += k;
		if (take % 3 == 0)
			*take3 = take;
	}
	return take ? take : 1;
}

/* q_word - append v[0..n) as one Q encoded word */
static void q_word(struct buf *out, const char *v, size_t n)
{
	buf_puts(out, "=?UTF-8?Q?");
	for (size_t j = 0; j < n; j++) {
		unsigned char c = (unsigned char)v[j];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			buf_putc(out, (char)c);
		else
			buf_printf(out, "=%02X", c);
	}
	buf_puts(out, "?=");
}

/*
 * encode_words - append v (valid UTF-8) as encoded words, each <= 75 chars.
 * Decoders such as GMime join adjacent B words of one charset before
 * decoding, so a padded B word before another loses the rest: every B word
 * but the last holds a multiple of 3 bytes, else that word is written as Q.
 */
static void encode_words(struct buf *out, const char *v, size_t col)
{
	size_t n = strlen(v), i = 0;

	while (i < n) {
		size_t room = col + 12 + 8 > 76 ? 45 : ((76 - col - 12) / 4) * 3, take, take3;
		gchar *b64;

		if (col + 12 + 12 > 76 && i == 0 && col > 1) {
			buf_puts(out, "\r\n ");
			col = 1;
			room = 45;
		}
		take = fit(v, i, n, room, &take3);
		if (i + take < n && take % 3 != 0 && take3 == 0) {
			take = fit(v, i, n, (76 - col - 12) / 3, &take3);
			q_word(out, v + i, take);
		} else {
			if (i + take < n && take % 3 != 0)
				take = take3;
			b64 = g_base64_encode((const guchar *)v + i, take);
			buf_printf(out, "=?UTF-8?B?%s?=", b64);
			g_free(b64);
		}
		i += take;
		if (i < n) {
			buf_puts(out, "\r\n ");
			col = 1;
		}
	}
}

void mime_header(struct buf *out, const char *name, const char *value)
{
	struct buf v;
	size_t namelen = strlen(name);
	char *s;

	buf_init(&v, MIME_MAX_HEADER_VALUE + 8);
	mime_clean(&v, value, MIME_MAX_HEADER_VALUE, 0);
	s = str_trim(v.data);
	buf_printf(out, "%s: ", name);
	if (needs_encoding(s, namelen))
		encode_words(out, s, namelen + 2);
	else
		fold_plain(out, s, namelen + 2);
	buf_puts(out, "\r\n");
	buf_free(&v);
}

/* qp_line - encode one line (no line break in it) with soft breaks */
static void qp_line(struct buf *out, const unsigned char *p, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		int c = p[i], last = i + 1 == n;
		int lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
		char enc[4];

		if (col == 0 && (c == '.' || (c == 'F' && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)))
			lit = 0;
		if (lit)
			enc[0] = (char)c, enc[1] = '\0';
		else
			snprintf(enc, sizeof(enc), "=%02X", (unsigned)c);
		if (col + strlen(enc) > 75) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		buf_puts(out, enc);
		col += strlen(enc);
	}
	buf_puts(out, "\r\n");
}

void mime_qp(struct buf *out, const char *text, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || text[i] == '\n') {
			size_t end = i;

			if (end > start && text[end - 1] == '\r')
				end--;
			if (i < len || end > start)
				qp_line(out, (const unsigned char *)text + start, end - start);
			start = i + 1;
		}
	}
}

void mime_crlf(struct buf *out, const char *data, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\r' && data[i] != '\n')
			continue;
		buf_append(out, data + start, i - start);
		buf_puts(out, "\r\n");
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	buf_append(out, data + start, len - start);
}

size_t mime_line_max(const char *data, size_t len)
{
	size_t max = 0, cur = 0;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' || data[i] == '\r')
			cur = 0;
		else if (++cur > max)
			max = cur;
	}
	return max;
}

void mime_random_hex(char *out, size_t nbytes)
{
	unsigned char r[64];
	size_t got = 0;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	while (got < nbytes) {
		ssize_t k = getrandom(r + got, nbytes - got, 0);

		if (k <= 0) {                   /* no getrandom: GLib's generator */
			for (; got < nbytes; got++)
				r[got] = (unsigned char)g_random_int();
			break;
		}
		got += (size_t)k;
	}
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	out[2 * nbytes] = '\0';
}

void mime_date(long long t, char out[64])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
					    "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
		 mons[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void mime_message_id(const char *from_addr, char *out, size_t outlen)
{
	const char *at = from_addr ? strrchr(from_addr, '@') : NULL;
	const char *dom = at && mime_addr_ok(from_addr) ? at + 1 : "abusedesk.invalid";
	char rnd[25];

	mime_random_hex(rnd, 12);
	snprintf(out, outlen, "<%lld.%s@%s>", (long long)time(NULL), rnd, dom);
}
