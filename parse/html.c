/*
 * html - the text a reader sees in an HTML part, for complaints that come
 * with no text/plain part (web forms, CERTs' mailers): libxml2's HTML
 * parser (the same error recovery as a browser's, entities and character
 * sets decoded) builds the tree; the walk below keeps the text nodes, ends
 * a line at each block element and <br>, puts a blank between table cells
 * and leaves out <head>, <script>, <style>, <template> and comments; a
 * link's web address follows its text in angle brackets, as text browsers
 * print it.
 * White space runs collapse to one blank, as a browser shows them, except
 * inside <pre>. The walk is iterative; the output is capped at max bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "xarf_dl.h"
#include "../util/buf.h"

static const char *const block_tags[] = {
	"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
	"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
	"hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead",
	"tfoot", "tr", "ul",
};
static const char *const skip_tags[] = { "head", "noscript", "script", "style", "template", "title" };

static int in_list(const xmlChar *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (name && !strcasecmp((const char *)name, list[i]))
			return 1;
	return 0;
}

#define IS_BLOCK(nm) in_list(nm, block_tags, sizeof(block_tags) / sizeof(block_tags[0]))
#define IS_SKIP(nm)  in_list(nm, skip_tags, sizeof(skip_tags) / sizeof(skip_tags[0]))

/* is - p is the element name */
static int is(const xmlNode *p, const char *name)
{
	return p->type == XML_ELEMENT_NODE && p->name && !strcasecmp((const char *)p->name, name);
}

/* shown - p is an element whose text is shown */
static int shown(const xmlNode *p)
{
	return p->type == XML_ELEMENT_NODE && !IS_SKIP(p->name);
}

/* cell - a blank before a table cell that does not start a line */
static void cell(struct buf *o)
{
	if (o->len && o->data[o->len - 1] != '\n' && o->data[o->len - 1] != ' ')
		buf_putc(o, ' ');
}

/*
 * link_target - after a link's text, its web address in angle brackets, as
 * text browsers print it (the address a phishing report points at is often
 * only there); not when the text already shows it
 */
static void link_target(struct buf *o, const xmlNode *a, size_t start)
{
	const char *href = NULL;

	for (const xmlAttr *at = a->properties; at; at = at->next)
		if (at->name && !strcasecmp((const char *)at->name, "href") && at->children &&
		    at->children->type == XML_TEXT_NODE && at->children->content)
			href = (const char *)at->children->content;
	if (href == NULL || (strncasecmp(href, "http://", 7) && strncasecmp(href, "https://", 8) &&
			     strncasecmp(href, "ftp://", 6)))
		return;
	if (start <= o->len && memmem(o->data + start, o->len - start, href, strlen(href)))
		return;
	if (o->len && o->data[o->len - 1] != ' ' && o->data[o->len - 1] != '\n')
		buf_putc(o, ' ');
	buf_putc(o, '<');
	for (const char *h = href; *h; h++)      /* an address holds no white space */
		if (!strchr(" \t\r\n", *h))
			buf_putc(o, *h);
	buf_putc(o, '>');
}

/* line_end - end the line, once (no blank lines piled up, none at the start) */
static void line_end(struct buf *o)
{
	while (o->len && o->data[o->len - 1] == ' ')
		o->len--;
	if (o->len && o->data[o->len - 1] != '\n')
		buf_putc(o, '\n');
}

/* text - a text node's content; white space collapsed unless pre */
static void text(struct buf *o, const char *s, int pre)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (pre) {
			buf_putc(o, (char)ch);
		} else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f') {
			if (o->len && o->data[o->len - 1] != ' ' && o->data[o->len - 1] != '\n')
				buf_putc(o, ' ');
		} else {
			buf_putc(o, (char)ch);
		}
	}
}

char *html_text(const char *html, size_t n, const char *charset, size_t max, size_t *len,
		char *err, size_t errlen)
{
	htmlDocPtr doc;
	xmlNodePtr root, p;
	struct buf o;
	int pre = 0;            /* inside <pre>: white space kept */
	size_t a_start = 0;     /* where the text of the open <a> starts */

	*len = 0;
	if (html_dl_load(err, errlen) < 0)
		return NULL;
	if (n > 0x7fffffff)
		n = 0x7fffffff;
	doc = html_dl.read_memory(html, (int)n, NULL, charset && *charset ? charset : NULL,
				  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				  HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
	if (doc == NULL && charset && *charset)    /* a charset libxml2 does not know */
		doc = html_dl.read_memory(html, (int)n, NULL, NULL, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
					  HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
	if (doc == NULL) {
		snprintf(err, errlen, "the HTML part could not be read");
		return NULL;
	}
	buf_init(&o, max);
	root = html_dl.doc_root(doc);
	p = root;
	while (p != NULL && o.len < max) {
		/* enter p */
		if (p->type == XML_TEXT_NODE || p->type == XML_CDATA_SECTION_NODE) {
			if (p->content)
				text(&o, (const char *)p->content, pre);
		} else if (shown(p)) {
			if (IS_BLOCK(p->name))
				line_end(&o);
			else if (is(p, "td") || is(p, "th"))
				cell(&o);
			if (is(p, "pre"))
				pre++;
			if (is(p, "a"))
				a_start = o.len;
			if (p->children) {
				p = p->children;
				continue;
			}
		}
		/* leave p and every parent whose last child it was, then on to the next */
		for (;;) {
			if (shown(p)) {
				if (IS_BLOCK(p->name))
					line_end(&o);
				if (is(p, "pre") && pre > 0)
					pre--;
				if (is(p, "a"))
					link_target(&o, p, a_start);
			}
			if (p == root) {
				p = NULL;
				break;
			}
			if (p->next) {
				p = p->next;
				break;
			}
			if ((p = p->parent) == NULL)
				break;
		}
	}
	html_dl.free_doc(doc);
	line_end(&o);
	if (o.len > max)
		o.len = max;
	*len = o.len;
	return buf_steal(&o);
}
