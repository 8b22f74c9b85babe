/*
 * str - string helpers: bounded copies, number parsing, string lists, time.
 */
#ifndef AD_STR_H
#define AD_STR_H

#include <stddef.h>
#include <time.h>

/* strlist - a growable list of owned strings */
struct strlist {
	char **v;
	size_t n, cap;
};

void strlist_add(struct strlist *l, const char *s);        /* copies s */
void strlist_add_own(struct strlist *l, char *s);          /* takes s */
int strlist_has(const struct strlist *l, const char *s);   /* exact match */
int strlist_has_ci(const struct strlist *l, const char *s);/* ASCII case-insensitive */
void strlist_free(struct strlist *l);

/* str_copy - bounded copy, always NUL-terminates; returns 0 or -1 if truncated */
int str_copy(char *dst, size_t size, const char *src);
/* str_to_long - whole-string base-10 parse with range check; 0 or -1 */
int str_to_long(const char *s, long lo, long hi, long *out);
/* str_trim - trim ASCII white space in place; returns s */
char *str_trim(char *s);
/* str_lower - ASCII lowercase in place; returns s */
char *str_lower(char *s);
/* str_has_ctl - 1 if s contains CR, LF or NUL within n bytes, or other C0 controls but TAB */
int str_has_ctl(const char *s, size_t n);
/*
 * str_ctl_len - the length of the control that starts s (n bytes): a C0 byte
 * or DEL (1), a C1 control U+0080-U+009F as UTF-8 (2) or as a byte 0x80-0x9f
 * outside valid UTF-8 (1), a bidi control U+061C, U+200E/F, U+202A-U+202E,
 * U+2066-U+2069 (2 or 3); 0 when s starts with none. *cp gets the code point
 * (the byte for a stray one). Call it where a valid UTF-8 sequence starts.
 */
size_t str_ctl_len(const char *s, size_t n, unsigned *cp);
/* str_sanitize - copy of s, at most max bytes, each control (str_ctl_len) replaced by a space */
char *str_sanitize(const char *s, size_t max);
/* str_casesuffix - 1 if host equals domain or ends with "." domain (case-insensitive) */
int str_domain_match(const char *host, const char *domain);

/* time_rfc3339 - format t (UTC) as YYYY-MM-DDTHH:MM:SSZ into out[21+] */
void time_rfc3339(time_t t, char out[32]);
/* time_parse_rfc5322 - parse an RFC 5322 date (lenient); 0 or -1 */
int time_parse_rfc5322(const char *s, time_t *out);
/* time_parse_any - RFC 3339, "YYYY-MM-DD HH:MM:SS", or RFC 5322; 0 or -1 */
int time_parse_any(const char *s, time_t *out);
/* time_parse_span - "24h", "7d", "30m", "90s", "2w" -> seconds; 0 or -1 */
int time_parse_span(const char *s, long *out);

/* str_hexval - the value of one hex digit (0-9, a-f, A-F), or -1 */
int str_hexval(int c);

#endif
