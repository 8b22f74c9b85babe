/*
 * privs - drop root before touching a message.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privs.h"

int privs_drop(const char *run_user, const char *spool_dir, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	struct stat st;

	if (getuid() != 0 && geteuid() != 0)
		return 0;
	if (run_user && *run_user) {
		struct passwd *pw = getpwnam(run_user);

		if (pw == NULL) {
			snprintf(err, errlen, "run_user %s: no such user", run_user);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else if (stat(spool_dir, &st) == 0) {
		uid = st.st_uid;
		gid = st.st_gid;
	} else {
		snprintf(err, errlen, "%s: %s (create it with 'abusedesk init' as the mail user)",
			 spool_dir, strerror(errno));
		return -1;
	}
	if (uid == 0) {
		snprintf(err, errlen, "refusing to handle mail as root: set run_user in the configuration, "
			 "or chown the spool %s to the user the MTA runs the pipe as", spool_dir);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		snprintf(err, errlen, "cannot switch to uid %ld: %s", (long)uid, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "privileges could not be dropped");
		return -1;
	}
	return 0;
}
