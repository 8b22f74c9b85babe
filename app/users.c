/*
 * users - users, API tokens and sessions (users.h). Passwords are hashed
 * with yescrypt through libxcrypt's crypt_r, with a salt crypt_gensalt_rn
 * draws from the system's randomness; libxcrypt is loaded on the first
 * hash (crypt_dl.h). Tokens and session ids are 32 random
 * bytes from getrandom; the store keeps only their SHA-256.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../db/users.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/sha256.h"
#include "crypt_dl.h"
#include "users.h"

int app_user_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > USER_NAME_MAX || name[0] == '-' || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int app_role_valid(const char *role)
{
	return role && (strcmp(role, "viewer") == 0 || strcmp(role, "handler") == 0 ||
			strcmp(role, "admin") == 0);
}

int app_role_may_act(const char *role)
{
	return role && (strcmp(role, "handler") == 0 || strcmp(role, "admin") == 0);
}

/* hash_password - yescrypt of pw with a new salt, or check pw against
 * setting; a malloc'd hash or NULL */
static char *hash_password(const char *pw, const char *setting)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], err[256], *h, *out = NULL;
	struct crypt_data *cd;

	if (crypt_dl_load(err, sizeof(err)) < 0) {
		msg_error("%s", err);
		return NULL;
	}
	cd = xcalloc(1, sizeof(*cd));
	if (setting == NULL) {
		if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
			msg_error("cannot make a password salt: %s", strerror(errno));
			free(cd);
			return NULL;
		}
		setting = salt;
	}
	h = crypt_r(pw, setting, cd);
	if (h && h[0] != '*')
		out = xstrdup(h);
	memset(cd, 0, sizeof(*cd));
	free(cd);
	return out;
}

int app_user_add(struct db *d, const char *name, const char *role, const char *password)
{
	char *h;
	int rc;

	if (!app_user_name_valid(name) || !app_role_valid(role) || password == NULL || *password == '\0' ||
	    strlen(password) > APP_PASSWORD_MAX)
		return -3;
	if ((h = hash_password(password, NULL)) == NULL)
		return -4;
	rc = users_add(d, name, role, h);
	free(h);
	return rc;
}

int app_user_del(struct db *d, const char *name)
{
	return users_del(d, name);
}

int app_user_list(struct db *d, struct user_rows *out)
{
	return users_list(d, out);
}

int app_user_find(struct db *d, const char *name, struct user_row *u)
{
	int rc;

	memset(u, 0, sizeof(*u));
	if (!app_user_name_valid(name))
		return 0;
	rc = users_get(d, name, u);
	user_row_free(u);
	return rc;
}

int app_user_login(struct db *d, const char *name, const char *password, struct user_row *u)
{
	/* a hash to spend the same time on when there is no such user */
	static char *dummy;
	struct user_row row;
	char *h;
	int rc, ok;

	memset(u, 0, sizeof(*u));
	if (!app_user_name_valid(name) || password == NULL || strlen(password) > APP_PASSWORD_MAX)
		return 0;
	if ((rc = users_get(d, name, &row)) < 0)
		return rc;
	if (rc == 0 && dummy == NULL)
		dummy = hash_password("-", NULL);
	h = hash_password(password, rc == 1 ? row.pwhash : dummy ? dummy : "*");
	ok = rc == 1 && h && app_secret_eq(h, row.pwhash);
	free(h);
	if (ok) {
		*u = row;
		u->pwhash = NULL;
	}
	user_row_free(&row);
	return ok;
}

int app_random_hex(char *out, size_t n)
{
	unsigned char r[64];
	size_t got = 0;

	if (n > sizeof(r))
		return -1;
	while (got < n) {
		ssize_t k = getrandom(r + got, n - got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			msg_error("getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)k;
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[r[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[r[i] & 15];
	}
	out[2 * n] = '\0';
	memset(r, 0, sizeof(r));
	return 0;
}

int app_secret_eq(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned char x = n != m;

	for (size_t i = 0; i < n; i++)
		x |= (unsigned char)(a[i] ^ b[i % (m ? m : 1)]);
	return m > 0 && x == 0;
}

/* well_formed - APP_TOKEN_LEN lowercase hex characters */
static int well_formed(const char *t)
{
	size_t n = t ? strlen(t) : 0;

	return n == APP_TOKEN_LEN && strspn(t, "0123456789abcdef") == n;
}

int app_token_new(struct db *d, const char *user, char *tok)
{
	struct user_row u;
	char h[65];
	int rc;

	if ((rc = users_get(d, user, &u)) != 1)
		return rc == 0 ? 1 : rc;
	user_row_free(&u);
	if (app_random_hex(tok, APP_TOKEN_LEN / 2) < 0)
		return -4;
	sha256_hex(tok, APP_TOKEN_LEN, h);
	return tokens_add(d, h, user);
}

int app_token_auth(struct db *d, const char *tok, struct user_row *u)
{
	char h[65];

	memset(u, 0, sizeof(*u));
	if (!well_formed(tok))
		return 0;
	sha256_hex(tok, APP_TOKEN_LEN, h);
	return tokens_find(d, h, u);
}

int app_session_new(struct db *d, const char *user, long ttl, char *sid, char *csrf)
{
	char h[65];

	if (app_random_hex(sid, APP_TOKEN_LEN / 2) < 0 || app_random_hex(csrf, APP_TOKEN_LEN / 2) < 0)
		return -4;
	sha256_hex(sid, APP_TOKEN_LEN, h);
	return sessions_add(d, h, user, csrf, db_now() + ttl);
}

int app_session_auth(struct db *d, const char *sid, struct user_row *u, char *csrf)
{
	char h[65];

	memset(u, 0, sizeof(*u));
	csrf[0] = '\0';
	if (!well_formed(sid))
		return 0;
	sha256_hex(sid, APP_TOKEN_LEN, h);
	return sessions_find(d, h, db_now(), u, csrf);
}

int app_session_end(struct db *d, const char *sid)
{
	char h[65];

	if (!well_formed(sid))
		return 0;
	sha256_hex(sid, APP_TOKEN_LEN, h);
	return sessions_del(d, h);
}
