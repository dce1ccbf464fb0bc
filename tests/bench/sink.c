/*
 * sink.c - the reference of the upload benchmark (tests/bench/upload.sh):
 * an HTTP server that writes the body of each PUT or POST to a file and
 * answers 201, nothing else: no hashing, no fsync, no read-back.  It
 * runs on libmicrohttpd with the settings bodycam serve uses, so that
 * the ratio measures what bodycam does with the bytes, not the library.
 *
 *	sink PORT FILE
 *
 * listens on 127.0.0.1:PORT (PORT 0: a free port), prints "listening
 * PORT" with the port bound when ready and serves until killed.
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

/* as bodycam serve (bodycam/serve.c CONN_MEMORY): it sizes the buffers */
#define CONN_MEMORY	(256 * 1024)

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
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	struct sockaddr_in sin;
	sigset_t set;
	char *end;
	long port;
	int sig;

	if (argc != 3) {
		fprintf(stderr, "usage: sink PORT FILE\n");
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	if (argv[1][0] == '\0' || *end != '\0' || port < 0 ||
	    port > USHRT_MAX) {
		fprintf(stderr, "sink: %s: not a port\n", argv[1]);
		return 2;
	}
	path = argv[2];
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
	    0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, 2,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "sink: cannot listen\n");
		return 1;
	}
	if ((info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)) ==
	    NULL) {
		fprintf(stderr, "sink: cannot read the port bound\n");
		MHD_stop_daemon(d);
		return 1;
	}
	printf("listening %u\n", (unsigned)info->port);
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
