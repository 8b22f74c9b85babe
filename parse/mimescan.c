/*
 * mimescan - the MIME structure of one message, found in place (see mimescan.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mimescan.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/str.h"

/* new_part - append an empty part; its index, or -1 at the part limit */
static int new_part(struct mime *m, int depth)
{
	struct mpart *p;

	if (m->n > PARSE_MAX_PARTS) {
		m->capped = 1;
		return -1;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->parts = xrealloc(m->parts, (size_t)m->cap * sizeof(*m->parts));
	}
	p = &m->parts[m->n];
	memset(p, 0, sizeof(*p));
	p->tree = m;
	p->depth = depth;
	p->kid = p->next = -1;
	return m->n++;
}

/* line_end - the end of the line at s (its '\n', or end) */
static const char *line_end(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	return nl ? nl : end;
}

/* only_blanks - [s, e) holds nothing but spaces and tabs */
static int only_blanks(const char *s, const char *e)
{
	for (; s < e; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return 0;
	return 1;
}

/*
 * boundary_at - the line [s, e) is a boundary of an enclosing multipart:
 * 2 * level + 2 for a closing one ("--b--"), 2 * level + 1 for another,
 * 0 for none. The innermost multipart is asked first, as GMime does.
 */
static int boundary_at(const struct mime *m, const char *s, const char *e)
{
	size_t len = (size_t)(e - s);
	int i;

	if (len < 2 || s[0] != '-' || s[1] != '-')
		return 0;
	for (i = m->nbnd - 1; i >= 0; i--) {
		size_t bl = m->bndlen[i];

		if (len < bl || memcmp(s, m->bnd[i], bl) != 0)
			continue;
		if (len >= bl + 2 && s[bl] == '-' && s[bl + 1] == '-' && only_blanks(s + bl + 2, e))
			return 2 * i + 2;
		if (only_blanks(s + bl, e))
			return 2 * i + 1;
	}
	return 0;
}

/*
 * scan - the first boundary line at or after p (a line start): its code
 * (boundary_at), *at its start; 0 and end if none. It hops from one '-' to
 * the next: base64 has none, so a whole encoded part is one memchr.
 */
static int scan(const struct mime *m, const char *p, const char **at)
{
	const char *end = m->text + m->len, *d = p;
	int f;

	while (m->nbnd > 0 && d < end && (d = memchr(d, '-', (size_t)(end - d))) != NULL) {
		if (d == p || d[-1] == '\n') {
			if (end - d >= 2 && d[1] == '-' && (f = boundary_at(m, d, line_end(d, end))) != 0) {
				*at = d;
				return f;
			}
		}
		/* no boundary starts in this line: on to the next one */
		if (!(d = memchr(d, '\n', (size_t)(end - d))))
			break;
		d++;
	}
	*at = end;
	return 0;
}

/* skip_line - past the line at p */
static const char *skip_line(const struct mime *m, const char *p)
{
	const char *end = m->text + m->len, *e = line_end(p, end);

	return e < end ? e + 1 : end;
}

/*
 * header_block - the header block at s: sets head, head_len; returns where
 * the content starts. An empty line ends the block, and so does a complete
 * boundary line (the part then has no content).
 */
static const char *header_block(const struct mime *m, struct mpart *p, const char *s)
{
	const char *end = m->text + m->len, *ls = s, *nl;

	p->head = s;
	while (ls < end) {
		if (*ls == '\n') {
			p->head_len = (size_t)(ls - s);
			return ls + 1;
		}
		nl = memchr(ls, '\n', (size_t)(end - ls));
		/* an unterminated last line is a header line to GMime, even one that looks like a boundary */
		if (ls[0] == '-' && nl && m->nbnd > 0 && boundary_at(m, ls, nl)) {
			p->head_len = (size_t)(ls - s);
			return ls;
		}
		if (!nl)
			break;
		ls = nl + 1;
	}
	p->head_len = (size_t)(end - s);
	return end;
}

/* name_end - past the field-name characters at s (no control, blank or colon) */
static const char *name_end(const char *s, const char *e)
{
	while (s < e && (unsigned char)*s > 32 && (unsigned char)*s != 127 && *s != ':')
		s++;
	return s;
}

/* field_end - the end of the field whose first line starts at s: its last continuation line's end */
static const char *field_end(const char *s, const char *end)
{
	const char *e = line_end(s, end);

	while (e + 1 < end && (e[1] == ' ' || e[1] == '\t'))
		e = line_end(e + 1, end);
	return e;
}

/*
 * field_colon_in - the colon of the field [s, e) (continuation lines
 * included), as GMime reads a field: name characters (no control, blank or
 * colon), then blanks and folding, then the colon; with nameless, something
 * before the colon will do ("  :x", the first line of a block); or NULL
 */
static const char *field_colon_in(const char *s, const char *e, int nameless)
{
	const char *q = name_end(s, e);
	if (q == s && !nameless)
		return NULL;
	while (q < e && (*q == ' ' || *q == '\t' || *q == '\n'))
		q++;
	return q > s && q < e && *q == ':' ? q : NULL;
}

/* set_type - p->ctype from GMime's parse of the content type */
static void set_type(struct mpart *p)
{
	const char *t = g_mime_content_type_get_media_type(p->ct);
	const char *s = g_mime_content_type_get_media_subtype(p->ct);

	snprintf(p->ctype, sizeof(p->ctype), "%s/%s", t ? t : "text", s ? s : "plain");
	str_lower(p->ctype);
}

/* tchar - an RFC 2045 token character */
static int tchar(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

/*
 * simple_type - "type/subtype" followed by nothing or by blanks and ';':
 * copied lowercased into out (size bytes); 0 for anything else (comments,
 * quotes, 8-bit bytes), which GMime's parser reads instead
 */
static int simple_type(const char *v, char *out, size_t size)
{
	const char *t = v, *s, *e;
	size_t n, i;

	while (*t == ' ' || *t == '\t')
		t++;
	for (s = t; tchar((unsigned char)*s); s++)
		;
	if (s == t || *s != '/')
		return 0;
	for (e = ++s; tchar((unsigned char)*e); e++)
		;
	if (e == s)
		return 0;
	n = (size_t)(e - t);
	for (s = e; *s == ' ' || *s == '\t'; s++)
		;
	if ((*s && *s != ';') || n >= size)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = (char)((t[i] >= 'A' && t[i] <= 'Z') ? t[i] + 32 : t[i]);
	out[n] = '\0';
	return 1;
}

static void index_headers(struct mpart *p);

/* How a header block that the message ends without a line end finishes (eof_line). */
enum { EOF_OTHER, EOF_NAME, EOF_BLANKS };

/*
 * eof_line - the last line of [s, end) when the text does not end with a
 * line end: EOF_NAME for a field name and maybe blanks (cut before the
 * colon), EOF_BLANKS for blanks only, EOF_OTHER for anything else or a
 * complete last line
 */
static int eof_line(const char *s, const char *end)
{
	const char *ls = end, *q;

	if (end == s || end[-1] == '\n')
		return EOF_OTHER;
	while (ls > s && ls[-1] != '\n')
		ls--;
	q = name_end(ls, end);
	if (q == ls) {
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		return q == end ? EOF_BLANKS : EOF_OTHER;
	}
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return q == end ? EOF_NAME : EOF_OTHER;
}

/*
 * cut_short - GMime gives up on a header block that the message ends inside
 * a field name, or on a line of blanks when the block has no field yet
 */
static int cut_short(struct mpart *p)
{
	switch (eof_line(p->head, p->head + p->head_len)) {
	case EOF_NAME:
		return 1;
	case EOF_BLANKS:
		index_headers(p);
		return p->nhdrs == 0;
	default:
		return 0;
	}
}

/*
 * dropped - GMime adds no part for a header block that a boundary ends
 * before any field, nor for one that the message ends while it is empty
 * or cut short (cut_short)
 */
static int dropped(struct mpart *p, const char *content, const char *end)
{
	if (content < end && content == p->head + p->head_len) {
		index_headers(p);
		return p->nhdrs == 0;
	}
	return content == end && p->head + p->head_len == end && (p->head_len == 0 || cut_short(p));
}

/* gmime_type - GMime's parse of the part's content type (made once) */
static GMimeContentType *gmime_type(struct mpart *p)
{
	if (!p->ct) {
		p->ct = p->ctval ? g_mime_content_type_parse(NULL, p->ctval) : NULL;
		if (!p->ct) {
			int digest = strcmp(p->ctype, "message/rfc822") == 0;

			p->ct = digest ? g_mime_content_type_new("message", "rfc822") :
					 g_mime_content_type_new("text", "plain");
		}
	}
	return p->ct;
}

/* content_type - the part's Content-Type: the last one, as GMime takes it (digest: message/rfc822 when absent) */
static void content_type(struct mpart *p, int digest)
{
	p->ctval = mp_header_last(p, "Content-Type");
	if (!p->ctval) {
		snprintf(p->ctype, sizeof(p->ctype), "%s", digest ? "message/rfc822" : "text/plain");
	} else if (!simple_type(p->ctval, p->ctype, sizeof(p->ctype))) {
		gmime_type(p);
		set_type(p);
	}
	p->multipart = strncmp(p->ctype, "multipart/", 10) == 0;
}

/*
 * part - read the part starting at *pos (its header block first) as part
 * number idx's child (idx < 0: the message); returns what ended it (a
 * boundary code, or 0 at the end) and leaves *pos at that boundary line.
 */
static int part(struct mime *m, const char **pos, int parent, int depth, int digest)
{
	const char *end = m->text + m->len, *content, *at;
	const char *b;
	struct mpart *p;
	int me, found, last = -1, level;

	if ((me = new_part(m, depth)) < 0) {
		found = scan(m, *pos, &at);
		*pos = at;
		return found;
	}
	p = &m->parts[me];
	content = header_block(m, p, *pos);
	if (parent >= 0 && dropped(p, content, end)) {
		free(p->hdrs);
		m->n--;
		found = scan(m, content, &at);
		*pos = at;
		return found;
	}
	if (parent >= 0) {
		if (m->parts[parent].kid < 0)
			m->parts[parent].kid = me;
		m->parts[parent].nkids++;
	}
	content_type(p, digest);
	p->body = content;
	b = p->multipart ? mp_param(p, "boundary") : NULL;
	if (!b || m->nbnd >= PARSE_MIME_STACK) {
		if (b)
			m->capped = 1;
		found = scan(m, content, &at);
		p->body_len = (size_t)(at - content);
		if (found && p->body_len > 0)
			p->body_len--;   /* the line end before a boundary belongs to it */
		*pos = at;
		return found;
	}
	{
		size_t bl = strlen(b);
		char *bb = xmalloc(bl + 3);

		bb[0] = bb[1] = '-';
		memcpy(bb + 2, b, bl + 1);
		level = m->nbnd++;
		m->bnd[level] = bb;
		m->bndlen[level] = bl + 2;
	}
	found = scan(m, content, &at);   /* the preface */
	while (found == 2 * level + 1) {
		int kid;

		*pos = skip_line(m, at);
		kid = m->n;
		found = part(m, pos, me, depth + 1, strcmp(m->parts[me].ctype, "multipart/digest") == 0);
		if (kid < m->n && m->parts[kid].depth == depth + 1) {
			if (last >= 0)
				m->parts[last].next = kid;
			last = kid;
		}
		at = *pos;
	}
	if (found == 2 * level + 2) {
		free((char *)m->bnd[level]);
		m->nbnd--;
		found = scan(m, skip_line(m, at), &at);   /* the postface */
	} else {
		free((char *)m->bnd[level]);
		m->nbnd--;
	}
	p = &m->parts[me];
	p->body_len = (size_t)((at < end ? at : end) - content);
	*pos = at;
	return found;
}

/* first_field - text[0..len) starts as GMime reads a message: its first
 * line on its own a field (a colon on a continuation line does not do
 * here), or the blank line of an empty header block */
static int first_field(const char *text, size_t len)
{
	return len > 0 && (text[0] == '\n' || field_colon_in(text, line_end(text, text + len), 1));
}

/* mp_parse - split text[0..len) into m */
void mp_parse(struct mime *m, const char *text, size_t len)
{
	const char *pos = text, *f = text, *end = text + len;

	memset(m, 0, sizeof(*m));
	m->text = text;
	m->len = len;
	/* mbox "From " lines first are let by when what follows them starts as
	 * a message does, or nothing follows */
	while (end - f >= 5 && memcmp(f, "From ", 5) == 0 && !first_field(f, (size_t)(end - f))) {
		const char *e = line_end(f, end);

		f = e < end ? e + 1 : end;
	}
	if (f < end ? !first_field(f, (size_t)(end - f)) : f == text) {
		m->nomsg = 1;   /* GMime reads no message that does not start with a field */
		return;
	}
	part(m, &pos, -1, 0, 0);
	while (m->nbnd > 0)
		free((char *)m->bnd[--m->nbnd]);
	if (m->n > 0 && m->parts[0].head + m->parts[0].head_len == text + len && cut_short(&m->parts[0])) {
		/* a header block cut short: GMime reads no message either */
		mp_free(m);
		m->text = text;
		m->len = len;
		m->nomsg = 1;
	}
}

/* mp_free - release what mp_parse made */
void mp_free(struct mime *m)
{
	int i, j;

	for (i = 0; i < m->n; i++) {
		struct mpart *p = &m->parts[i];

		if (p->ct)
			g_object_unref(p->ct);
		for (j = 0; p->params && p->params[j]; j++)
			free(p->params[j]);
		free(p->params);
		for (j = 0; j < p->nhdrs; j++)
			g_free(p->hdrs[j].value);
		free(p->hdrs);
		free(p->filename);
	}
	free(m->parts);
	memset(m, 0, sizeof(*m));
}

/* mp_first - the first child of a multipart, or NULL */
struct mpart *mp_first(struct mpart *p)
{
	return p && p->kid >= 0 ? &p->tree->parts[p->kid] : NULL;
}

/* mp_next - the next sibling of a part, or NULL */
struct mpart *mp_next(struct mpart *p)
{
	return p && p->next >= 0 ? &p->tree->parts[p->next] : NULL;
}


/*
 * index_headers - one entry per field of the header block, at most
 * PARSE_MAX_HEADERS; a line that is no field (and its continuation lines)
 * is left out, as GMime does
 */
static void index_headers(struct mpart *p)
{
	const char *s = p->head, *end = p->head + p->head_len, *e, *c;
	int cap = 0;

	if (p->indexed)   /* once: the entries grow by this call's own capacity count */
		return;
	p->indexed = 1;
	while (s < end) {
		e = field_end(s, end);
		/* a first line of blanks and a colon is a field with no name */
		if ((c = field_colon_in(s, e, s == p->head)) != NULL && p->nhdrs < PARSE_MAX_HEADERS) {
			struct mhdr *h;
			const char *ne = s;

			if (p->nhdrs == cap) {
				cap = cap ? cap * 2 : 16;
				p->hdrs = xrealloc(p->hdrs, (size_t)cap * sizeof(*p->hdrs));
			}
			while (ne < c && (unsigned char)*ne > 32 && (unsigned char)*ne != 127)
				ne++;
			h = &p->hdrs[p->nhdrs++];
			h->name = s;
			h->nlen = (size_t)(ne - s);
			h->raw = c + 1;
			h->rlen = (size_t)(e - h->raw);
			h->value = NULL;
		}
		s = e < end ? e + 1 : end;
	}
}

/* find - the first field called name, or NULL */
static struct mhdr *find(struct mpart *p, const char *name)
{
	size_t nl = strlen(name);
	int i;

	if (!p)
		return NULL;
	index_headers(p);
	for (i = 0; i < p->nhdrs; i++)
		if (p->hdrs[i].nlen == nl && strncasecmp(p->hdrs[i].name, name, nl) == 0)
			return &p->hdrs[i];
	return NULL;
}

/* find_last - the last field called name, or NULL (GMime's object keeps the last Content-*) */
static struct mhdr *find_last(struct mpart *p, const char *name)
{
	size_t nl = strlen(name);
	int i;

	if (!find(p, name))
		return NULL;
	for (i = p->nhdrs - 1; i >= 0; i--)
		if (p->hdrs[i].nlen == nl && strncasecmp(p->hdrs[i].name, name, nl) == 0)
			return &p->hdrs[i];
	return NULL;
}

/* lwsp - what GMime's unfolding trims: blanks and line ends */
static int lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* unfold - the raw value of h with line ends removed and the ends trimmed, as g_mime_utils_header_unfold does (g_malloc'd) */
static char *unfold(const struct mhdr *h)
{
	const char *s = h->raw, *e = h->raw + h->rlen;
	char *v, *o;

	while (s < e && lwsp(*s))
		s++;
	while (e > s && lwsp(e[-1]))
		e--;
	o = v = g_malloc((size_t)(e - s) + 1);
	for (; s < e; s++)
		if (*s != '\n' && *s != '\r')
			*o++ = *s;
	*o = '\0';
	return v;
}

/* mp_needs_decoding - v has an 8-bit byte or an encoded word (else decoding gives v back) */
int mp_needs_decoding(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v >= 0x80 || (v[0] == '=' && v[1] == '?'))
			return 1;
	return 0;
}

#define EW_MAX 1024

/* ew_at - the encoded word "=?cs?E?text?=" at v: its length, the charset's
 * [cs, cs + *csn), encoding letter and text [*t, *t + *tn); 0 when none */
static size_t ew_at(const char *v, const char **cs, size_t *csn, char *enc, const char **t, size_t *tn)
{
	const char *p = v + 2, *q;

	if (v[0] != '=' || v[1] != '?')
		return 0;
	for (q = p; *q && *q != '?' && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r'; q++)
		;
	if (*q != '?' || q == p || !q[1] || q[2] != '?')
		return 0;
	*cs = p;
	*csn = (size_t)(q - p);
	*enc = (char)(q[1] | 0x20);
	*t = q + 3;
	/* a word is at most 75 characters (RFC 2047 6.2); longer ones are read
	 * too, up to EW_MAX, so that a value of many "=?" is not searched to
	 * its end from each */
	q = memmem(*t, strnlen(*t, EW_MAX), "?=", 2);
	if (!q || memchr(*t, ' ', (size_t)(q - *t)) || memchr(*t, '\n', (size_t)(q - *t)))
		return 0;
	*tn = (size_t)(q - *t);
	return (size_t)(q + 2 - v);
}

/* b64_append - the bytes of base64 text t[0..n) appended to o (each word on its own) */
static void b64_append(struct buf *o, const char *t, size_t n)
{
	char *w = g_strndup(t, n);
	gsize len = 0;
	guchar *d = g_base64_decode(w, &len);

	buf_append(o, (const char *)d, len);
	g_free(d);
	g_free(w);
}

/*
 * b_runs - v with each run of adjacent base64 encoded words of one charset
 * made one word. GMime joins the text of such words before it decodes them
 * (a character may be split across two words), and its decoder stops at the
 * first word's "=" padding: "=?utf-8?B?...pQ==?= =?utf-8?B?5pys...?=" lost all
 * but the first word. Here each word is decoded on its own, the bytes joined
 * and written back as one word, which GMime then decodes and converts.
 * NULL when v has no such run.
 */
static char *b_runs(const char *v)
{
	struct buf o;
	const char *p = v, *cs, *t, *cs2, *t2;
	size_t csn, tn, csn2, tn2, n, n2;
	char enc, enc2;
	int merged = 0;

	if (!strstr(v, "?="))
		return NULL;
	buf_init(&o, 0);
	while (*p) {
		const char *q;
		struct buf raw;
		gchar *b64;

		if (!(n = ew_at(p, &cs, &csn, &enc, &t, &tn)) || enc != 'b') {
			q = strstr(p + 1, "=?");          /* the text up to the next word */
			n = q ? (size_t)(q - p) : strlen(p);
			buf_append(&o, p, n);
			p += n;
			continue;
		}
		for (q = p + n; *q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'; q++)
			;
		if (!(n2 = ew_at(q, &cs2, &csn2, &enc2, &t2, &tn2)) || enc2 != 'b' || csn2 != csn ||
		    g_ascii_strncasecmp(cs, cs2, csn) != 0) {
			buf_append(&o, p, n);
			p += n;
			continue;
		}
		buf_init(&raw, 0);
		b64_append(&raw, t, tn);
		p = q;
		while ((n = ew_at(p, &cs2, &csn2, &enc2, &t2, &tn2)) && enc2 == 'b' && csn2 == csn &&
		       g_ascii_strncasecmp(cs, cs2, csn) == 0) {
			b64_append(&raw, t2, tn2);
			p += n;
			for (q = p; *q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'; q++)
				;
			if (!ew_at(q, &cs2, &csn2, &enc2, &t2, &tn2))
				break;    /* the space before other text stays */
			p = q;
		}
		b64 = g_base64_encode((const guchar *)raw.data, raw.len);
		buf_append(&o, "=?", 2);
		buf_append(&o, cs, csn);
		buf_append(&o, "?B?", 3);
		buf_append(&o, b64, strlen(b64));
		buf_append(&o, "?=", 2);
		g_free(b64);
		buf_free(&raw);
		merged = 1;
	}
	if (!merged) {
		buf_free(&o);
		return NULL;
	}
	return buf_steal(&o);
}

/* mp_decode_text - RFC 2047 decoding of a header value (GMime's, after
 * b_runs); a g_malloc'ed string, never NULL */
char *mp_decode_text(const char *v)
{
	char *m = b_runs(v), *d;

	d = g_mime_utils_header_decode_text(NULL, m ? m : v);
	free(m);
	return d ? d : g_strdup("");
}

static const char *header_value(struct mhdr *h);

/* mp_header - the first field called name: unfolded, trimmed, decoded; or NULL */
const char *mp_header(struct mpart *p, const char *name)
{
	struct mhdr *h = find(p, name);

	return h ? header_value(h) : NULL;
}

/* header_value - the value of h: unfolded, trimmed, decoded */
static const char *header_value(struct mhdr *h)
{
	if (!h->value) {
		char *v = unfold(h);

		if (mp_needs_decoding(v)) {
			char *d = mp_decode_text(v);

			g_free(v);
			v = d;
		}
		h->value = v;
	}
	return h->value;
}

/* mp_header_last - the last field called name, decoded like mp_header */
const char *mp_header_last(struct mpart *p, const char *name)
{
	struct mhdr *h = find_last(p, name);

	return h ? header_value(h) : NULL;
}

/*
 * simple_params - the parameters of a simple Content-Type value ("; a=token"
 * or "; a=\"quoted\"" without backslashes, RFC 2231 or 2047 forms, or a
 * name twice) as a NULL-terminated name, value list; NULL for anything
 * else, which GMime's parser reads instead
 */
static char **simple_params(const char *v)
{
	const char *s = v, *a, *ae, *b, *be;
	char **l = NULL;
	size_t n = 0, i;

	while (*s && *s != ';')   /* the type, checked by simple_type */
		s++;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ';')
			s++;
		if (!*s)
			break;
		for (a = s; tchar((unsigned char)*s) && *s != '*'; s++)
			;
		ae = s;
		while (*s == ' ' || *s == '\t')
			s++;
		if (ae == a || *s++ != '=')
			goto hard;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '"') {
			b = ++s;
			while (*s && *s != '"' && *s != '\\')
				s++;
			if (*s != '"')
				goto hard;
			be = s++;
		} else {
			for (b = s; tchar((unsigned char)*s); s++)
				;
			be = s;
			if (be == b)
				goto hard;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if ((*s && *s != ';') || memmem(b, (size_t)(be - b), "=?", 2))
			goto hard;
		for (i = 0; i < n; i += 2)
			if (strlen(l[i]) == (size_t)(ae - a) && strncasecmp(l[i], a, (size_t)(ae - a)) == 0)
				goto hard;
		l = xrealloc(l, (n + 3) * sizeof(*l));
		l[n++] = xstrndup(a, (size_t)(ae - a));
		l[n++] = xstrndup(b, (size_t)(be - b));
		l[n] = NULL;
	}
	if (!l) {
		l = xmalloc(sizeof(*l));
		l[0] = NULL;
	}
	return l;
hard:
	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
	return NULL;
}

/* mp_param - a Content-Type parameter, or NULL */
const char *mp_param(struct mpart *p, const char *name)
{
	size_t i;

	/* a parameter's value never holds its name unless the header does */
	if (!p || !p->ctval || !strcasestr(p->ctval, name))
		return NULL;
	if (!p->params_done) {
		p->params_done = 1;
		if (!p->ct)   /* a simple type: perhaps simple parameters */
			p->params = simple_params(p->ctval);
	}
	if (p->params) {
		for (i = 0; p->params[i]; i += 2)
			if (strcasecmp(p->params[i], name) == 0)
				return p->params[i + 1];
		return NULL;
	}
	return g_mime_content_type_get_parameter(gmime_type(p), name);
}

/* mp_is - the content type is type/sub; "*" matches any subtype */
int mp_is(const struct mpart *p, const char *type, const char *sub)
{
	size_t n = strlen(type);

	return p && strncmp(p->ctype, type, n) == 0 && p->ctype[n] == '/' &&
	       (strcmp(sub, "*") == 0 || strcasecmp(p->ctype + n + 1, sub) == 0);
}

/* mp_filename - Content-Disposition filename, else Content-Type name, or NULL */
const char *mp_filename(struct mpart *p)
{
	if (!p)
		return NULL;
	if (!p->fn_done) {
		const char *v = mp_header_last(p, "Content-Disposition");
		const char *fn = NULL;
		GMimeContentDisposition *d = v ? g_mime_content_disposition_parse(NULL, v) : NULL;

		if (d)
			fn = g_mime_content_disposition_get_parameter(d, "filename");
		if (!fn)
			fn = mp_param(p, "name");
		p->filename = fn ? xstrdup(fn) : NULL;
		if (d)
			g_object_unref(d);
		p->fn_done = 1;
	}
	return p->filename;
}

/* encoding - the part's Content-Transfer-Encoding */
static GMimeContentEncoding encoding(struct mpart *p)
{
	const char *v = mp_header_last(p, "Content-Transfer-Encoding");

	return v ? g_mime_content_encoding_from_string(v) : GMIME_CONTENT_ENCODING_DEFAULT;
}

/* identity - content stored as it is sent */
static int identity(GMimeContentEncoding e)
{
	return e == GMIME_CONTENT_ENCODING_DEFAULT || e == GMIME_CONTENT_ENCODING_7BIT ||
	       e == GMIME_CONTENT_ENCODING_8BIT || e == GMIME_CONTENT_ENCODING_BINARY;
}

/* mp_raw - the content as it is when it carries no transfer encoding, else NULL */
const char *mp_raw(struct mpart *p, size_t *len)
{
	if (!p || p->multipart || !identity(encoding(p)))
		return NULL;
	*len = p->body_len;
	return p->body;
}

/* mp_decode - the content with the transfer encoding undone: binary, NUL-terminated, at most max bytes */
char *mp_decode(struct mpart *p, size_t max, size_t *len)
{
	GMimeContentEncoding e;
	GMimeFilter *f;
	struct buf out;
	size_t off = 0, chunk = 65536;

	if (len)
		*len = 0;
	if (!p || p->multipart)
		return NULL;
	e = encoding(p);
	if (identity(e)) {
		size_t n = p->body_len < max ? p->body_len : max;
		char *s = xmalloc(n + 1);

		memcpy(s, p->body, n);
		s[n] = '\0';
		if (len)
			*len = n;
		return s;
	}
	buf_init(&out, 0);
	if (e == GMIME_CONTENT_ENCODING_BASE64 || e == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		/* GMime's decoder state, without a filter object */
		GMimeEncoding st;

		g_mime_encoding_init_decode(&st, e);
		while (out.len < max && off < p->body_len) {
			size_t n = p->body_len - off < chunk ? p->body_len - off : chunk, got;

			if (buf_reserve(&out, g_mime_encoding_outlen(&st, n)) != 0)
				break;
			got = g_mime_encoding_step(&st, p->body + off, n, out.data + out.len);
			out.len += got < max - out.len ? got : max - out.len;
			out.data[out.len] = '\0';
			off += n;
		}
		if (len)
			*len = out.len;
		return buf_steal(&out);
	}
	f = g_mime_filter_basic_new(e, FALSE);   /* uuencode: the filter finds the begin line */
	while (out.len < max) {
		size_t n = p->body_len - off < chunk ? p->body_len - off : chunk;
		char *o = NULL;
		size_t olen = 0, pre = 0;

		if (n > 0)
			g_mime_filter_filter(f, (char *)p->body + off, n, 0, &o, &olen, &pre);
		else
			g_mime_filter_complete(f, (char *)p->body + off, 0, 0, &o, &olen, &pre);
		if (olen > max - out.len)
			olen = max - out.len;
		if (olen)
			buf_append(&out, o, olen);
		if (n == 0)
			break;
		off += n;
	}
	g_object_unref(f);
	if (len)
		*len = out.len;
	return buf_steal(&out);
}
