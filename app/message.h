/*
 * message - a message file ("-" = stdin) read whole, or read and parsed.
 */
#ifndef AD_APP_MESSAGE_H
#define AD_APP_MESSAGE_H

#include <stddef.h>

#include "../parse/report.h"

/* app_read_message - read a message file ("-" = stdin) for parse/trace, at
 * most APP_MESSAGE_MAX bytes (*trunc set when cut); NULL after printing the error */
#define APP_MESSAGE_MAX (100L * 1024 * 1024)
char *app_read_message(const char *file, size_t *len, int *trunc);
/* app_parse_file - read a message file and parse it into r (report_init is
 * done here), flagging a cut message as truncated. Returns the bytes, which
 * the caller frees after report_free(r); NULL (error printed, r untouched)
 * when the file cannot be read. */
char *app_parse_file(const char *file, struct report *r);

#endif
