/*
 * crypt_dl - load libxcrypt on first use (see crypt_dl.h).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "crypt_dl.h"

struct crypt_dl crypt_dl;
static int loaded;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int crypt_dl_load(char *err, size_t errlen)
{
	void *h;
	int rc = -1;

	pthread_mutex_lock(&lock);
	if (loaded) {
		rc = 0;
	} else if ((h = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load libcrypt (install libcrypt1): %s", dlerror());
	} else {
		*(void **)&crypt_dl.r = dlsym(h, "crypt_r");
		*(void **)&crypt_dl.gensalt_rn = dlsym(h, "crypt_gensalt_rn");
		if (!crypt_dl.r || !crypt_dl.gensalt_rn) {
			snprintf(err, errlen, "libcrypt.so.1 lacks crypt_r or crypt_gensalt_rn");
			memset(&crypt_dl, 0, sizeof(crypt_dl));
			dlclose(h);
		} else {
			loaded = 1;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}
