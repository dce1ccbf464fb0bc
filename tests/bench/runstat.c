/*
 * runstat.c - run one command and report its wall time and peak memory.
 *
 *   runstat [-q] [-o FILE] [-e FILE] [--] CMD [ARGS...]
 *
 * Forks, execs CMD (searched in PATH), waits for it with wait4 and prints
 *
 *   wall_s=<seconds, 6 decimals> maxrss_kib=<ru_maxrss> status=<status>
 *
 * on its own stdout, then exits with the child's status (128 + signal number
 * when the child was killed, 127 when CMD could not be run, 126 when it is
 * not executable).  The child's stdout and stderr are passed through unless
 * -o / -e send them to a file (created or truncated) or -q sends both to
 * /dev/null.  The benchmark (tests/bench/hash.sh) uses it to time one run
 * and read the child's peak resident set size, which time(1) does not print
 * portably.
 */
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
usage(void)
{
	fprintf(stderr, "usage: runstat [-q] [-o FILE] [-e FILE] [--] CMD "
	    "[ARGS...]\n");
	exit(2);
}

/* In the child: points fd at path (or /dev/null); _exits on failure. */
static void
redirect(int fd, const char *path)
{
	int nfd;

	if (path == NULL)
		return;
	nfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
	    0644);
	if (nfd == -1) {
		fprintf(stderr, "runstat: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (dup2(nfd, fd) == -1) {
		fprintf(stderr, "runstat: dup2: %s\n", strerror(errno));
		_exit(127);
	}
	close(nfd);
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	const char *outpath = NULL, *errpath = NULL;
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid, w;
	int c, quiet = 0, wst, status;

	while ((c = getopt(argc, argv, "+qo:e:")) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 'o': outpath = optarg; break;
		case 'e': errpath = optarg; break;
		default: usage();
		}
	}
	if (optind == argc)
		usage();
	if (quiet) {
		if (outpath == NULL)
			outpath = "/dev/null";
		if (errpath == NULL)
			errpath = "/dev/null";
	}
	fflush(stdout);
	fflush(stderr);

	if (clock_gettime(CLOCK_MONOTONIC, &t0) == -1) {
		perror("runstat: clock_gettime");
		return 127;
	}
	if ((pid = fork()) == -1) {
		perror("runstat: fork");
		return 127;
	}
	if (pid == 0) {
		redirect(STDOUT_FILENO, outpath);
		redirect(STDERR_FILENO, errpath);
		execvp(argv[optind], argv + optind);
		c = errno;
		fprintf(stderr, "runstat: %s: %s\n", argv[optind],
		    strerror(c));
		_exit(c == ENOENT ? 127 : 126);
	}
	do {
		w = wait4(pid, &wst, 0, &ru);
	} while (w == -1 && errno == EINTR);
	if (clock_gettime(CLOCK_MONOTONIC, &t1) == -1 || w == -1) {
		perror("runstat: wait4");
		return 127;
	}
	if (WIFEXITED(wst))
		status = WEXITSTATUS(wst);
	else if (WIFSIGNALED(wst))
		status = 128 + WTERMSIG(wst);
	else
		status = 127;
	printf("wall_s=%.6f maxrss_kib=%ld status=%d\n", elapsed(&t0, &t1),
	    ru.ru_maxrss, status);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("runstat: stdout");
		return status != 0 ? status : 127;
	}
	return status;
}
