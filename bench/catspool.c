/*
 * catspool - the floor of the pipe path: read stdin, write it to DIR/tmp,
 * fsync, rename into DIR/new, fsync the directory. No parsing, no database:
 * what any durable "cat into the spool" costs.
 *
 *   catspool DIR < message
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char tmp[4096], dst[4096], buf[65536];
	ssize_t n;
	int fd, dfd;

	if (argc != 2)
		return 64;
	snprintf(tmp, sizeof(tmp), "%s/tmp/%ld", argv[1], (long)getpid());
	snprintf(dst, sizeof(dst), "%s/new/%ld", argv[1], (long)getpid());
	if ((fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0600)) < 0)
		return 75;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return 75;
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, dst) < 0)
		return 75;
	snprintf(tmp, sizeof(tmp), "%s/new", argv[1]);
	if ((dfd = open(tmp, O_RDONLY | O_DIRECTORY)) < 0 || fsync(dfd) < 0)
		return 75;
	close(dfd);
	return 0;
}
