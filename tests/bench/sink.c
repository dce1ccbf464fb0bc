/*
 * sink.c - the reference of the upload benchmark (tests/bench/upload.sh):
 * an HTTP server that writes the body of each PUT or POST to a file and
 * answers 201, nothing else: no hashing, no fsync, no read-back.  It
 * runs on libmicrohttpd with the settings bodycam serve uses, so that
 * the ratio measures what bodycam does with the bytes, not the library.
 *
 *	sink PORT FILE
 *
 * prints "listening" when ready and serves until killed.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

static const char *path;

struct req {
	int	fd;
};

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct req *q = *con_cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	ssize_t n;

	if (q == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return MHD_NO;
		q->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		*con_cls = q;
		return q->fd == -1 ? MHD_NO : MHD_YES;
	}
	if (*upload_size > 0) {
		while (*upload_size > 0) {
			if ((n = write(q->fd, upload, *upload_size)) <= 0)
				return MHD_NO;
			upload += n;
			*upload_size -= (size_t)n;
		}
		return MHD_YES;
	}
	close(q->fd);
	q->fd = -1;
	r = MHD_create_response_from_buffer(3, (void *)"ok\n",
	    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, 201, r);
	MHD_destroy_response(r);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	if (q != NULL && q->fd != -1)
		close(q->fd);
	free(q);
	*con_cls = NULL;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	if (argc != 3) {
		fprintf(stderr, "usage: sink PORT FILE\n");
		return 2;
	}
	path = argv[2];
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
	    (uint16_t)atoi(argv[1]), NULL, NULL, on_request, NULL,
	    MHD_OPTION_THREAD_POOL_SIZE, 2,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "sink: cannot listen\n");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
