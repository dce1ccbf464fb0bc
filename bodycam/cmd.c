/*
 * cmd.c - the command table and the CLI's message helpers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const struct bc_cmd *const bc_cmd_table[] = {
	&bc_cmd_init,
	&bc_cmd_keygen,
	&bc_cmd_key,
	&bc_cmd_token,
	&bc_cmd_register,
	&bc_cmd_storage,
	&bc_cmd_show,
	&bc_cmd_list,
	&bc_cmd_verify,
	&bc_cmd_custody,
	&bc_cmd_annotate,
	&bc_cmd_relocate,
	&bc_cmd_case,
	&bc_cmd_retention,
	&bc_cmd_report,
	&bc_cmd_audit,
	&bc_cmd_checkpoint,
	&bc_cmd_prove,
	&bc_cmd_log,
	&bc_cmd_release,
	&bc_cmd_verify_bundle,
	&bc_cmd_witness,
	&bc_cmd_serve,
	&bc_cmd_probe,
	&bc_cmd_upgrade,
	&bc_cmd_migrate,
	NULL
};

const struct bc_cmd *
bc_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; bc_cmd_table[i] != NULL; i++)
		if (strcmp(bc_cmd_table[i]->name, name) == 0)
			return bc_cmd_table[i];
	return NULL;
}

/*
 * The first error of this run, for the --json error document: its
 * message, and what kind it was: a usage error, a library error (its
 * code and field) or neither.
 */
static char first_error[1024];
static enum { FIRST_NONE, FIRST_USAGE, FIRST_LIB } first_kind;
static const char *first_code;	/* bc_err_code_for */
static char first_field[BC_ERR_FIELD_MAX];
static const struct bc_cmd *running;

const char *
bc_cli_first_error(void)
{
	return first_error[0] ? first_error : NULL;
}

void
bc_cli_running(const struct bc_cmd *cmd)
{
	running = cmd;
}

/*
 * The code of an error the library did not name, by the exit status it
 * led to (DESIGN.md): what the library's codes map to for each.
 */
static const char *
status_code(int st)
{
	switch (st) {
	case 1:
		return bc_err_code(BC_ERR_INTEGRITY);
	case 2:
		return bc_err_code(BC_ERR_MALFORMED);
	default:
		return bc_err_code(BC_ERR_INTERNAL);
	}
}

json_t *
bc_cli_err_json(int code, const struct bc_err *err)
{
	const char *m = err != NULL && err->msg[0] != '\0' ? err->msg :
	    bc_strerror(code);

	return bc_err_json(bc_err_code_for(code, err), bc_cli_q(m),
	    err != NULL ? err->field : NULL);
}

json_t *
bc_cli_error_json(int st)
{
	const char *m = first_error[0] != '\0' ? first_error : "failed";
	json_t *o;

	if (first_kind == FIRST_LIB)
		o = bc_err_json(first_code, m, first_field);
	else if (first_kind == FIRST_USAGE)
		o = bc_err_json("usage", m, first_field);
	else
		o = bc_err_json(status_code(st), m, NULL);
	if (o != NULL && json_object_set_new(o, "exit",
	    json_integer(st)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/*
 * The option of the running command that sets field, "--reason" for
 * "reason", or NULL when it has none (a field of a file it reads).
 */
static const char *
field_option(const char *field)
{
	static const struct {
		const char	*field;
		const char	*opt;
	} alias[] = {
		{ "tags",	"--tag" },
		{ "recipient",	"--to" },
	};
	static char opt[BC_ERR_FIELD_MAX + 3];
	const struct bc_subcmd *sub;
	const char *texts[64];
	size_t i, n = 0, len;
	const char *p;

	if (running == NULL || field[0] == '\0')
		return NULL;
	snprintf(opt, sizeof(opt), "--%s", field);
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(alias[i].field, field) == 0)
			snprintf(opt, sizeof(opt), "%s", alias[i].opt);
	/* the option, as its help and usage lines name it */
	texts[n++] = running->usage;
	texts[n++] = running->options;
	for (sub = running->subs; sub != NULL && sub->name != NULL &&
	    n < sizeof(texts) / sizeof(texts[0]); sub++)
		texts[n++] = sub->usage;
	len = strlen(opt);
	for (i = 0; i < n; i++)
		for (p = texts[i]; p != NULL && (p = strstr(p, opt)) != NULL;
		    p += len)
			if (p[len] == '\0' || strchr(" =]|\n", p[len]) != NULL)
				return opt;
	return NULL;
}

/*
 * A message is one line of our words and the input it echoes (a file
 * name, an actor): quoted whole, so that the input can neither break the
 * line nor reach the terminal as a control sequence.  The --json error
 * document carries the same quoted text (always valid UTF-8).
 */
static void
verror(const char *fmt, va_list ap)
{
	char msg[1024];
	int n;

	/* a message cut at 1 KiB says so; the reports carry it whole */
	if ((n = vsnprintf(msg, sizeof(msg), fmt, ap)) >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	if (first_error[0] == '\0')
		bc_quote(first_error, sizeof(first_error), msg);
	fflush(stdout);
	fprintf(stderr, "bodycam: %s\n", bc_cli_q(msg));
}

#define QUOTE_SLOTS	8

const char *
bc_cli_q(const char *s)
{
	static char *slot[QUOTE_SLOTS];
	static size_t size[QUOTE_SLOTS];
	static unsigned next;
	unsigned i = next++ % QUOTE_SLOTS;
	size_t need = bc_quote(NULL, 0, s) + 1;
	char *p;

	if (need > size[i]) {
		if ((p = realloc(slot[i], need)) == NULL)
			return "?";		/* never the raw text */
		slot[i] = p;
		size[i] = need;
	}
	bc_quote(slot[i], size[i], s);
	return slot[i];
}

void
bc_cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
}

/*
 * The usage lines of cmd, the first after lead, the others (one per
 * subcommand) after "       bodycam ".
 */
static void
usage_lines(FILE *fp, const char *lead, const struct bc_cmd *cmd)
{
	const struct bc_subcmd *sub;

	if (cmd->subs == NULL) {
		fprintf(fp, "%s%s %s\n", lead, cmd->name, cmd->usage);
		return;
	}
	for (sub = cmd->subs; sub->name != NULL; sub++)
		fprintf(fp, "%s%s %s%s%s\n", sub == cmd->subs ? lead :
		    "       bodycam ", cmd->name, sub->name,
		    sub->usage[0] != '\0' ? " " : "", sub->usage);
}

int
bc_cli_usage(const struct bc_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	if (first_error[0] == '\0')
		first_kind = FIRST_USAGE;
	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		usage_lines(stderr, "usage: bodycam ", cmd);
	fputs("try 'bodycam --help'\n", stderr);
	return 2;
}

int
bc_cli_usage_err(const struct bc_cmd *cmd, int code,
    const struct bc_err *err)
{
	const char *opt = field_option(err->field);
	int first = first_error[0] == '\0';

	if (opt != NULL)
		bc_cli_usage(cmd, "%s (%s)", err->msg, opt);
	else
		bc_cli_usage(cmd, "%s", err->msg);
	if (first) {
		first_kind = FIRST_LIB;
		first_code = bc_err_code_for(code, err);
		snprintf(first_field, sizeof(first_field), "%s", err->field);
	}
	return 2;
}

int
bc_cli_subcmd(struct bc_ctx *ctx, int argc, char **argv)
{
	const struct bc_cmd *cmd = ctx->cmd;
	const struct bc_subcmd *sub;
	char names[256];
	size_t n = 0;

	for (sub = cmd->subs; argc >= 2 && sub->name != NULL; sub++) {
		if (strcmp(argv[1], sub->name) != 0)
			continue;
		if (sub->flags & BC_CMD_READ_ONLY)
			ctx->read_only = 1;
		return sub->exec(ctx, argc - 1, argv + 1);
	}
	if (argc >= 2)
		return bc_cli_usage(cmd, "unknown %s command '%s'", cmd->name,
		    argv[1]);
	/* "add, revoke or list" */
	names[0] = '\0';
	for (sub = cmd->subs; sub->name != NULL && n < sizeof(names); sub++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
		    sub == cmd->subs ? "" : sub[1].name == NULL ? " or " :
		    ", ", sub->name);
	return bc_cli_usage(cmd, "%s needs %s", cmd->name, names);
}

void
bc_cli_category_warn(struct bc_ctx *ctx, const char *category)
{
	struct bc_err e = { 0 };
	int warn;

	if (category == NULL || ctx->cat == NULL || ctx->quiet)
		return;
	if (bc_policy_admits(ctx->cat, category, &warn, &e) == 0 && warn)
		bc_cli_error("warning: %s", e.msg);
}

int
bc_cli_open_catalog(struct bc_ctx *ctx)
{
	struct bc_err err = { 0 };
	int r;

	if (ctx->cat != NULL)
		return 0;
	if ((r = bc_catalog_open_flags(ctx->catalog_path, ctx->read_only ?
	    BC_CATALOG_READ_ONLY : 0, &ctx->cat, &err)) != 0) {
		bc_cli_error("%s", err.msg[0] ? err.msg : bc_strerror(r));
		return 3;
	}
	return 0;
}

int
bc_cli_checkpoint_file(struct bc_ctx *ctx, const struct bc_keyring *kr,
    const char *path, char **note, size_t *len,
    struct bc_signed_checkpoint *sc)
{
	struct bc_err err = { 0 };
	char origin[BC_ORIGIN_MAX + 1];
	struct bc_err held = { 0 };
	int r;

	*note = NULL;
	if ((r = bc_read_small(path, BC_NOTE_MAX, note, len, &err)) != 0) {
		bc_cli_error("checkpoint %s", err.msg);
		return r == BC_ERR_IO || r == BC_ERR_NOMEM ? 3 : 2;
	}
	if ((r = bc_catalog_origin(ctx->cat, origin, &err)) != 0)
		goto fail;
	if ((r = bc_tlog_checkpoint_check(kr, origin, *note, *len, sc,
	    &err)) != 0) {
		bc_cli_error("%s: %s", path, err.msg);
		free(*note);
		*note = NULL;
		return r == BC_ERR_MALFORMED || r == BC_ERR_TOO_LARGE ? 2 :
		    bc_exit_status(r);
	}
	if (sc->revoked[0] != '\0' && !ctx->quiet)
		fprintf(stderr, "bodycam: warning: %s was signed by %s "
		    "(%.16s...), a key revoked at %s: trust it only if you "
		    "received it before then\n", bc_cli_q(path),
		    bc_cli_q(sc->signer_name), bc_cli_q(sc->signer),
		    bc_cli_q(sc->revoked));
	if ((r = bc_tlog_holds(ctx->cat, sc->cp.size, sc->cp.root,
	    &held)) != 0) {
		bc_err_set(&err, r, "%s: consistency: %s", path, held.msg);
		goto fail;
	}
	return 0;
 fail:
	free(*note);
	*note = NULL;
	return bc_cli_fail(r, &err);
}

const char *
bc_cli_file_name(const json_t *mdoc)
{
	const char *name = mdoc ? bc_doc_str(mdoc, "file.name") : NULL;
	const char *q;
	char *raw = NULL;

	if (name == NULL)
		return "?";
	if (bc_json_get_name(json_object_get(mdoc, "file"), "name",
	    &raw) != 0)
		return bc_cli_q(name);
	q = bc_cli_q(raw);
	free(raw);
	return q;
}

json_t *
bc_cli_json_hex(const uint8_t h[BC_SHA256_LEN])
{
	char hex[BC_SHA256_HEX];

	bc_hex(h, BC_SHA256_LEN, hex);
	return json_string(hex);
}

/* For 'custody log --csv' and 'report --format csv' alike. */
void
bc_cli_csv_field(FILE *fp, const char *s, int last)
{
	int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' ||
	    s[0] == '@' || s[0] == '\t' || s[0] == '\r';

	if (formula || strpbrk(s, ",\"\r\n") != NULL) {
		putc('"', fp);
		if (formula)
			putc('\'', fp);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putc('"', fp);
			putc(*s, fp);
		}
		putc('"', fp);
	} else {
		fputs(s, fp);
	}
	putc(last ? '\n' : ',', fp);
}

int
bc_cli_create_new(const char *path, int *fd, struct bc_err *err)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (*fd == -1)
		return bc_err_set(err, errno == EEXIST ? BC_ERR_EXISTS :
		    BC_ERR_IO, "%s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (an output file is never written "
		    "over)" : "");
	return 0;
}

int
bc_cli_write_new(int fd, const char *path, const char *buf, size_t len,
    struct bc_err *err)
{
	size_t off = 0;
	ssize_t n;
	int e = 0;

	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		off += (size_t)n;
	}
	if (e == 0 && fsync(fd) == -1)
		e = errno;
	if (close(fd) == -1 && e == 0)
		e = errno;
	if (e != 0) {
		unlink(path);
		return bc_err_errno(err, e, "%s", path);
	}
	return 0;
}

int
bc_cli_badopt(const struct bc_cmd *cmd, int c, char **argv)
{
	extern int optind, optopt;

	if (c == ':')
		return bc_cli_usage(cmd, "option '%s' needs a value",
		    argv[optind - 1]);
	if (optopt != 0)
		return bc_cli_usage(cmd, "unknown option '-%c'", optopt);
	return bc_cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
}

int
bc_cli_opts(const struct bc_cmd *cmd, int argc, char **argv,
    const struct bc_cli_opt *opts)
{
	struct option lo[BC_CLI_OPTS_MAX + 1];
	size_t i, n;
	int c;

	memset(lo, 0, sizeof(lo));
	for (n = 0; opts[n].name != NULL; n++) {
		if (n == BC_CLI_OPTS_MAX)
			return bc_cli_usage(cmd, "internal error: too many "
			    "options");
		lo[n].name = opts[n].name;
		lo[n].has_arg = opts[n].arg != NULL ? required_argument :
		    no_argument;
		lo[n].val = 256 + (int)n;	/* never an option letter */
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (c < 256 || (i = (size_t)(c - 256)) >= n)
			return bc_cli_badopt(cmd, c, argv);
		if (opts[i].arg != NULL)
			*opts[i].arg = optarg;
		else
			*opts[i].flag = 1;
	}
	return 0;
}

int
bc_cli_fail(int code, const struct bc_err *err)
{
	const char *opt = err != NULL ? field_option(err->field) : NULL;

	if (first_error[0] == '\0') {
		first_kind = FIRST_LIB;
		first_code = bc_err_code_for(code, err);
		snprintf(first_field, sizeof(first_field), "%s",
		    err != NULL ? err->field : "");
	}
	if (err != NULL && err->msg[0] != '\0' && opt != NULL)
		bc_cli_error("%s (%s)", err->msg, opt);
	else if (err != NULL && err->msg[0] != '\0')
		bc_cli_error("%s", err->msg);
	else
		bc_cli_error("%s", bc_strerror(code));
	return bc_exit_status(code);
}

static const char global_help[] =
"bodycam - chain-of-custody catalog for body-worn-camera footage\n"
"\n"
"usage: bodycam [--catalog PATH] [--json] [-q|--quiet] COMMAND [ARGS]\n"
"\n"
"Global options (before or after the command name):\n"
"  --catalog PATH   the catalog: a SQLite file, or a PostgreSQL database\n"
"                   as postgresql://... (default: $BODYCAM_CATALOG, else\n"
"                   ./bodycam.db)\n"
"  --json           print one JSON document on stdout\n"
"  -q, --quiet      print only errors\n"
"  -h, --help       this help; 'bodycam COMMAND --help' for one command\n"
"  --version        print the version\n"
"\n"
"Commands:\n";

static const char exit_help[] =
"\n"
"Exit status: 0 success; 1 an integrity check failed; 2 usage or input\n"
"error (bad arguments, unknown item, missing or unreadable file); 3\n"
"environment or internal error (catalog unavailable, I/O).\n";

void
bc_cli_help(FILE *fp, const struct bc_cmd *cmd)
{
	const char *s;
	size_t i;

	if (cmd != NULL) {
		usage_lines(fp, "usage: bodycam ", cmd);
		fputc('\n', fp);
		/* the summary is indented for the command list; undo that */
		for (s = cmd->summary; *s != '\0'; s++) {
			fputc(*s, fp);
			if (*s == '\n')
				s += strspn(s + 1, " ");
		}
		fputc('\n', fp);
		if (cmd->options != NULL)
			fprintf(fp, "\n%s", cmd->options);
		fputs(exit_help, fp);
		return;
	}
	fputs(global_help, fp);
	for (i = 0; bc_cmd_table[i] != NULL; i++) {
		usage_lines(fp, "  ", bc_cmd_table[i]);
		fprintf(fp, "      %s\n", bc_cmd_table[i]->summary);
	}
	fputs(exit_help, fp);
}

int
bc_cli_parse_listen(const char *s, struct sockaddr_storage *addr,
    socklen_t *addrlen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	uint64_t port;
	size_t n;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		n = (size_t)(colon - s - 1);
		colon++;
		s++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (bc_parse_uint(colon + 1, 0, 65535, &port) != 0)
		return -1;
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*addrlen = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*addrlen = sizeof(*v6);
	} else
		return -1;
	return 0;
}

int
bc_cli_exec_serve(struct bc_ctx *ctx)
{
	char path[PATH_MAX];

	if (bc_exec_path("bodycam-serve", "BODYCAM_SERVE", path,
	    sizeof(path)) != 0) {
		bc_cli_error("no path to bodycam-serve");
		return 3;
	}
	fflush(NULL);
	execv(path, ctx->argv);
	bc_cli_error("cannot run %s: %s", path, strerror(errno));
	return 3;
}
