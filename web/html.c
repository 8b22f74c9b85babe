/*
 * html - escaping for HTML and URLs, and the style sheet. Every value that
 * came from a report goes through html_esc (text and quoted attributes);
 * bytes that are not valid UTF-8 become U+FFFD and controls a space, so
 * nothing a report says can open a tag, an attribute or an entity.
 */
#include <string.h>

#include "../util/json.h"
#include "internal.h"

void html_esc(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0, k;

	for (size_t i = 0; i < n; i += k) {
		unsigned char c = (unsigned char)s[i];

		k = 1;
		switch (c) {
		case '&': buf_puts(b, "&amp;"); continue;
		case '<': buf_puts(b, "&lt;"); continue;
		case '>': buf_puts(b, "&gt;"); continue;
		case '"': buf_puts(b, "&quot;"); continue;
		case '\'': buf_puts(b, "&#39;"); continue;
		case '`': buf_puts(b, "&#96;"); continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_putc(b, c == '\n' || c == '\t' ? c : ' ');
		} else if (c < 0x80) {
			buf_putc(b, c);
		} else if ((k = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0) {
			buf_puts(b, "\xef\xbf\xbd");
			k = 1;
		} else {
			buf_append(b, s + i, k);
		}
	}
}

void url_esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			buf_putc(b, c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

const char web_css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}\n"
	"header{background:#2d3e50;color:#fff;padding:.5em 1em;display:flex;gap:1em;align-items:center}\n"
	"header a{color:#fff}header form{margin-left:auto}\n"
	"main{padding:1em}\n"
	"table{border-collapse:collapse;margin:.5em 0;background:#fff}\n"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#eef}\n"
	"td.wrap{white-space:pre-wrap;word-break:break-all;max-width:40em}\n"
	".status-open,.status-notified{color:#b00}.status-resolved{color:#070}\n"
	"form.filters input,form.filters select{margin-right:.5em}\n"
	".err{color:#b00;font-weight:bold}\n"
	"dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}\n"
	".charts{display:flex;flex-wrap:wrap;gap:1em}.chart{background:#fff;border:1px solid #ccc;padding:.5em 1em}\n"
	".chart.wide{flex-basis:100%}.chart h2{font-size:1.1em;margin:.2em 0}.legend svg{vertical-align:middle}\n"
	"a[aria-current]{font-weight:bold}\n";
