/*
 * app/users - people of the web helpdesk for any front end: users with a
 * role and a yescrypt password hash (libxcrypt), API tokens (random, only
 * their SHA-256 stored) and login sessions with their CSRF token.
 *
 * Roles: a viewer reads; a handler also changes incidents; an admin too.
 */
#ifndef AD_APP_USERS_H
#define AD_APP_USERS_H

#include <stddef.h>

#include "../db/db.h"
#include "../db/users.h"

#define APP_PASSWORD_MAX 1024   /* bytes of a password */
#define APP_TOKEN_LEN    64     /* hex characters of a token, a session id, a CSRF token */

/* app_user_name_valid - 1..64 of [A-Za-z0-9._-], not starting with '-' or '.' */
int app_user_name_valid(const char *name);
/* app_role_valid - viewer, handler or admin */
int app_role_valid(const char *role);
/* app_role_may_act - the role may change incidents (handler, admin) */
int app_role_may_act(const char *role);

/* app_user_add - hash password (yescrypt) and store the user. 0, 1 name
 * taken, -3 bad name, role or password, -4 hashing failed, DB_ERROR/DB_BUSY */
int app_user_add(struct db *d, const char *name, const char *role, const char *password);
/* app_user_del - 0, 1 no such user, DB_ERROR/DB_BUSY */
int app_user_del(struct db *d, const char *name);
/* app_user_list - every user (no hashes) */
int app_user_list(struct db *d, struct user_rows *out);
/* app_user_login - check a password; 1 and u filled (name, role) when it
 * matches, 0 when not (or no such user: the same work is done), DB_ERROR */
int app_user_login(struct db *d, const char *name, const char *password, struct user_row *u);

/* app_user_find - the user name (name and role, no hash); 1, 0 none, DB_ERROR */
int app_user_find(struct db *d, const char *name, struct user_row *u);

/* app_token_new - a new API token for user into tok (APP_TOKEN_LEN + 1);
 * 0, 1 no such user, -4 no randomness, DB_ERROR/DB_BUSY */
int app_token_new(struct db *d, const char *user, char *tok);
/* app_token_auth - the user of a token; 1, 0 unknown, DB_ERROR */
int app_token_auth(struct db *d, const char *tok, struct user_row *u);

/* app_session_new - a session of ttl seconds for user: the cookie value
 * into sid and the CSRF token into csrf (each APP_TOKEN_LEN + 1); 0 or < 0 */
int app_session_new(struct db *d, const char *user, long ttl, char *sid, char *csrf);
/* app_session_auth - the user and CSRF token of a live session; 1, 0 none, DB_ERROR */
int app_session_auth(struct db *d, const char *sid, struct user_row *u, char *csrf);
/* app_session_end - log a session out; 0 or DB_ERROR */
int app_session_end(struct db *d, const char *sid);

/* app_random_hex - n random bytes (getrandom) as 2n hex characters and a NUL; 0 or -1 */
int app_random_hex(char *out, size_t n);
/* app_secret_eq - compare two strings in time that depends on the length only */
int app_secret_eq(const char *a, const char *b);

#endif
