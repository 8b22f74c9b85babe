/*
 * privs - never handle hostile mail as root.
 */
#ifndef AD_PRIVS_H
#define AD_PRIVS_H

#include <stddef.h>

/*
 * privs_drop - when running as root, become run_user, or (when run_user is
 * empty) the owner of spool_dir. Refuses (returns -1 with a reason in err)
 * when that would still be root. Returns 0 when nothing needed doing or the
 * switch succeeded.
 */
int privs_drop(const char *run_user, const char *spool_dir, char *err, size_t errlen);

#endif
