/*
 * db/users - the people of the web helpdesk: users with a role and a
 * password hash, API tokens (their SHA-256 only) and login sessions (the
 * SHA-256 of the cookie, the CSRF token, the end). Hashing and checking
 * are app/users.c's; this file only stores and finds.
 */
#ifndef AD_DB_USERS_H
#define AD_DB_USERS_H

#include <stddef.h>

#include "db.h"

#define USER_NAME_MAX 64

struct user_row {
	char name[USER_NAME_MAX + 1];
	char role[16];
	char *pwhash;           /* owned; NULL in lists */
	long long created;
};

struct user_rows {
	struct user_row *v;
	size_t n;
};

/* users_add - a new user; 0, 1 when the name is taken, DB_ERROR/DB_BUSY */
int users_add(struct db *d, const char *name, const char *role, const char *pwhash);
/* users_del - remove a user with its tokens and sessions; 0, 1 no such user, DB_ERROR/DB_BUSY */
int users_del(struct db *d, const char *name);
/* users_get - one user with its hash; 1 found, 0 not, DB_ERROR */
int users_get(struct db *d, const char *name, struct user_row *u);
/* users_list - every user by name (at most 10000), without hashes; 0 or DB_ERROR */
int users_list(struct db *d, struct user_rows *out);
void user_row_free(struct user_row *u);
void user_rows_free(struct user_rows *r);

/* tokens_add - store the hash of a new token of user; 0 or DB_ERROR/DB_BUSY */
int tokens_add(struct db *d, const char *hash, const char *user);
/* tokens_find - the user (name, role) a token hash belongs to; 1, 0 none, DB_ERROR */
int tokens_find(struct db *d, const char *hash, struct user_row *u);

/* sessions_add - a session (id is the hash of the cookie); expired ones are dropped; 0 or DB_ERROR/DB_BUSY */
int sessions_add(struct db *d, const char *id, const char *user, const char *csrf, long long expires);
/* sessions_find - the live session id: its user (name, role) and csrf (size 65); 1, 0 none, DB_ERROR */
int sessions_find(struct db *d, const char *id, long long now, struct user_row *u, char csrf[65]);
/* sessions_del - end a session; 0 or DB_ERROR */
int sessions_del(struct db *d, const char *id);

#endif
