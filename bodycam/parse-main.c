/*
 * parse-main.c - bodycam-parse, the metadata helper: the only program of
 * bodycam that runs libexif and libavformat on hostile media.  bodycam
 * starts one per file (meta.c):
 *
 *	bodycam-parse [-v] -- MIME  <FILE  | reader
 *
 * It reads the file open on standard input (pread only) and writes the
 * metadata as canonical JSON, {"media":..,"capture":..,"warnings":[..]}
 * (meta.h), on standard output, then exits 0.  Before the first byte of
 * the file is parsed it closes every other descriptor, sets rlimits,
 * forbids new privileges and installs a seccomp filter: reading, writing
 * to standard output and error, memory and time; opening a file fails
 * with EACCES; anything else kills the process (SIGSYS).
 *
 * With -DBC_PARSE_TEST_HOOKS (build/tests/bodycam-parse-misbehave only)
 * $BODYCAM_PARSE_MISBEHAVE makes it misbehave after the filter is in
 * place, for tests/cli/t-privsep.sh.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "bodycam/canon.h"
#include "bodycam/meta.h"

#define PARSE_CPU_SECONDS	20
#define PARSE_AS_BYTES		(2048UL * 1024 * 1024)
#define PARSE_NOFILE		8

/* Status 2: usage; 3: the sandbox could not be set up; 4: output. */

#ifdef BC_SANITIZE
/*
 * LeakSanitizer's exit-time check stops the world with a ptrace'ing
 * thread, which the filter (and RLIMIT_NPROC) forbid: it would hang.  The
 * parsers' leaks are checked in-process by the unit tests and the fuzzer.
 */
int __lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return 1;
}
#endif

static int
limit(int what, rlim_t v)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = v;
	return setrlimit(what, &rl);
}

static int
rlimits(void)
{
	if (limit(RLIMIT_CPU, PARSE_CPU_SECONDS) != 0 ||
	    limit(RLIMIT_FSIZE, 0) != 0 ||
	    limit(RLIMIT_NOFILE, PARSE_NOFILE) != 0 ||
	    limit(RLIMIT_CORE, 0) != 0 ||
	    limit(RLIMIT_NPROC, 0) != 0)
		return -1;
#ifndef BC_SANITIZE
	/* ASan reserves terabytes of address space for its shadow */
	if (limit(RLIMIT_AS, PARSE_AS_BYTES) != 0)
		return -1;
#endif
	return 0;
}

static int
sandbox(void)
{
	static const int allow[] = {
		SCMP_SYS(read), SCMP_SYS(pread64), SCMP_SYS(readv),
		SCMP_SYS(preadv), SCMP_SYS(lseek), SCMP_SYS(fstat),
		SCMP_SYS(newfstatat), SCMP_SYS(statx),
		SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
		SCMP_SYS(brk), SCMP_SYS(mprotect), SCMP_SYS(madvise),
		SCMP_SYS(futex), SCMP_SYS(close),
		SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
		SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getrandom),
		SCMP_SYS(sched_yield), SCMP_SYS(rt_sigreturn),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit),
		SCMP_SYS(exit_group),
#ifdef BC_SANITIZE
		/* ASan/UBSan reports and LeakSanitizer at exit */
		SCMP_SYS(sigaltstack), SCMP_SYS(rt_sigaction),
		SCMP_SYS(prctl), SCMP_SYS(readlink), SCMP_SYS(getppid),
		SCMP_SYS(sched_getaffinity), SCMP_SYS(clone),
		SCMP_SYS(clone3), SCMP_SYS(ptrace), SCMP_SYS(wait4),
		SCMP_SYS(set_robust_list), SCMP_SYS(getrlimit),
		SCMP_SYS(prlimit64), SCMP_SYS(tgkill), SCMP_SYS(uname),
		SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),
		SCMP_SYS(setrlimit), SCMP_SYS(rt_sigtimedwait),
		SCMP_SYS(waitid), SCMP_SYS(munlock), SCMP_SYS(mlock),
#endif
	};
	scmp_filter_ctx ctx;
	size_t i;
	int r = -1;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -1;
	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0) != 0)
			goto out;
	/* write: standard output and error only */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, 1)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, 2)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(writev), 1,
	    SCMP_A0(SCMP_CMP_EQ, 2)) != 0)
		goto out;
	/* a library that tries to open a file is told no, not killed */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open),
	    0) != 0 || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(openat), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl),
	    0) != 0)
		goto out;
	if (seccomp_load(ctx) != 0)
		goto out;
	r = 0;
 out:
	seccomp_release(ctx);
	return r;
}

#ifdef BC_PARSE_TEST_HOOKS
/* Misbehaviour on demand, after the filter is in place. */
static void
misbehave(void)
{
	const char *m = getenv("BODYCAM_PARSE_MISBEHAVE");
	static const char flood[4096] = { '[' };
	volatile unsigned long spin = 0;
	size_t i;

	if (m == NULL || *m == '\0')
		return;
	if (strcmp(m, "crash") == 0) {
		*(volatile int *)(uintptr_t)spin = 1;
	} else if (strcmp(m, "hang") == 0) {
		for (;;)
			spin++;
	} else if (strcmp(m, "flood") == 0) {
		for (i = 0; i < 1024; i++)
			if (write(1, flood, sizeof(flood)) == -1)
				_exit(4);
		_exit(0);
	} else if (strcmp(m, "malformed") == 0) {
		fputs("{\"media\":{", stdout);
		exit(0);
	} else if (strcmp(m, "trailing") == 0) {
		fputs("{\"capture\":{},\"media\":{},\"warnings\":[]}x",
		    stdout);
		exit(0);
	} else if (strcmp(m, "shape") == 0) {
		fputs("{\"capture\":{\"gps\":{\"lat\":\"1e9\",\"lon\":"
		    "\"0.000000\"}},\"media\":{},\"warnings\":[]}", stdout);
		exit(0);
	} else if (strcmp(m, "socket") == 0) {
		/* forbidden: the filter kills the process here */
		if (socket(AF_INET, SOCK_STREAM, 0) != -1)
			_exit(5);
		_exit(6);
	}
}
#endif

int
main(int argc, char **argv)
{
	struct stat st;
	json_t *o = NULL;
	char *text = NULL;
	size_t len = 0, off;
	ssize_t n;
	int verbose = 0, i = 1;

	if (i < argc && strcmp(argv[i], "-v") == 0) {
		verbose = 1;
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i != argc - 1) {
		fprintf(stderr, "usage: bodycam-parse [-v] -- MIME <FILE\n");
		return 2;
	}
	if (fstat(0, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "bodycam-parse: standard input is not a "
		    "regular file\n");
		return 2;
	}
	/* nothing of the parent's but the file, the pipe and stderr */
	if (close_range(3, ~0U, 0) != 0 || rlimits() != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "bodycam-parse: sandbox: %s\n",
		    strerror(errno));
		return 3;
	}
	signal(SIGPIPE, SIG_DFL);
	bc_meta_parse_init(verbose);
	if (sandbox() != 0) {
		fprintf(stderr, "bodycam-parse: seccomp filter failed\n");
		return 3;
	}
#ifdef BC_PARSE_TEST_HOOKS
	misbehave();
#endif
	if (bc_meta_parse_fd(0, argv[i], verbose, &o, NULL) != 0 ||
	    bc_canon_dump(o, &text, &len, NULL) != 0)
		return 4;
	for (off = 0; off < len; off += (size_t)n)
		if ((n = write(1, text + off, len - off)) <= 0) {
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			return 4;
		}
	/* what is left to free dies with the process */
	return 0;
}
