/*
 * cli.h - what the bodycam program's subcommands share: the command table
 * entry, the run context, and the message helpers.  Private to the CLI.
 */
#ifndef BODYCAM_CLI_H
#define BODYCAM_CLI_H

#include <sys/socket.h>

#include <jansson.h>

#include "bodycam/bodycam.h"

struct bc_ctx {
	const char		*catalog_path;
	int			 catalog_opt;	/* it came from --catalog (a
						   configuration file yields
						   to it) */
	int			 json;		/* --json */
	int			 quiet;		/* -q */
	int			 read_only;	/* open the catalog read-only:
						   BC_CMD_READ_ONLY, or what
						   the arguments ask for */
	struct bc_catalog	*cat;
	json_t			*out;		/* the --json document */
	int			 printed;	/* the command printed its
						   --json document itself */
	const struct bc_cmd	*cmd;
	char			**argv;		/* main's, for a command run
						   by another program */
};

/*
 * bc_cmd flags.  BC_CMD_READ_ONLY: the command only reads the catalog, so
 * main sets ctx->read_only and the catalog is opened read-only (a copy
 * the user may only read, a read-only mount); a command whose writing
 * depends on its arguments (verify --record, checkpoint --key) clears it
 * before opening, and one without the flag whose subcommand only reads
 * (key list, token list, custody log) sets it.
 */
#define BC_CMD_READ_ONLY	0x01

/*
 * A subcommand (key add, key list): its name, its arguments for the usage
 * lines, BC_CMD_READ_ONLY when it only reads, and what runs it with argv
 * starting at its name.  A command with subcommands has them as a table
 * ending in a NULL name, and bc_cli_subcmd as its exec.
 */
struct bc_subcmd {
	const char	*name;
	const char	*usage;		/* arguments, after the name */
	int		 flags;		/* BC_CMD_READ_ONLY */
	int		(*exec)(struct bc_ctx *ctx, int argc, char **argv);
};

struct bc_cmd {
	const char	*name;
	const char	*usage;		/* arguments, after the name; NULL
					   with subs: theirs, a line each */
	const struct bc_subcmd *subs;	/* or NULL */
	const char	*summary;	/* one line */
	const char	*options;	/* option lines for --help, or NULL */
	int		 flags;		/* BC_CMD_* */
	int		(*exec)(struct bc_ctx *ctx, int argc, char **argv);
};

extern const struct bc_cmd bc_cmd_init;
extern const struct bc_cmd bc_cmd_storage;
extern const struct bc_cmd bc_cmd_keygen;
extern const struct bc_cmd bc_cmd_witness;
extern const struct bc_cmd bc_cmd_key;
extern const struct bc_cmd bc_cmd_token;
extern const struct bc_cmd bc_cmd_register;
extern const struct bc_cmd bc_cmd_show;
extern const struct bc_cmd bc_cmd_list;
extern const struct bc_cmd bc_cmd_verify;
extern const struct bc_cmd bc_cmd_custody;
extern const struct bc_cmd bc_cmd_annotate;
extern const struct bc_cmd bc_cmd_relocate;
extern const struct bc_cmd bc_cmd_case;
extern const struct bc_cmd bc_cmd_retention;
extern const struct bc_cmd bc_cmd_report;
extern const struct bc_cmd bc_cmd_audit;
extern const struct bc_cmd bc_cmd_serve;
extern const struct bc_cmd bc_cmd_probe;
extern const struct bc_cmd bc_cmd_checkpoint;
extern const struct bc_cmd bc_cmd_prove;
extern const struct bc_cmd bc_cmd_log;
extern const struct bc_cmd bc_cmd_release;
extern const struct bc_cmd bc_cmd_verify_bundle;
extern const struct bc_cmd bc_cmd_upgrade;
extern const struct bc_cmd bc_cmd_migrate;

/*
 * Runs the subcommand argv[1] of ctx->cmd (from its subs table), or
 * reports a usage error naming those there are.
 */
int bc_cli_subcmd(struct bc_ctx *ctx, int argc, char **argv);

/* The command table, NULL-terminated (cmd.c). */
extern const struct bc_cmd *const bc_cmd_table[];

const struct bc_cmd *bc_cmd_find(const char *name);

/*
 * s quoted for a terminal (bc_quote: control characters, bidi controls,
 * invalid UTF-8 and the backslash escaped), for printing text that comes
 * from outside: file names, actors, notes, anything read from the
 * catalog or a bundle.  The result stays valid for the next 7 calls, so
 * one printf may quote up to 8 strings.  "?" when out of
 * memory; s NULL is "".
 */
const char *bc_cli_q(const char *s);

/* Prints "bodycam: ..." to stderr, quoted as bc_cli_q quotes. */
void bc_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Opens the catalog (--catalog, $BODYCAM_CATALOG or ./bodycam.db) into
 * ctx->cat, once, read-only when ctx->read_only.  Commands call it after
 * checking their arguments, so that a usage error is reported as one even
 * where there is no catalog.  Returns 0, or prints why and returns exit
 * status 3.
 */
int bc_cli_open_catalog(struct bc_ctx *ctx);

/* The first message bc_cli_error or bc_cli_usage printed, or NULL. */
const char *bc_cli_first_error(void);

/*
 * The --json error object of a run that failed with exit status st:
 * {code, message, exit, field?}, as bc_err_json and the HTTP API shape
 * it.  The first error printed gives it: a library error (bc_cli_fail)
 * its code (bc_err_code) and field, a usage error (bc_cli_usage) the code
 * "usage", any other the code of its exit status (1 "integrity", 2
 * "bad_request", 3 "internal").  Returns a new object or NULL.
 */
json_t *bc_cli_error_json(int st);

/*
 * The error object for the library error code with err (may be NULL):
 * {code, message, field?}, the message quoted as bc_cli_q quotes; for
 * the errors of one item in a --json document.  A new object or NULL.
 */
json_t *bc_cli_err_json(int code, const struct bc_err *err);

/* Tells bc_cli_fail which command runs: it names that command's options. */
void bc_cli_running(const struct bc_cmd *cmd);

/*
 * Prints a usage error for cmd ("bodycam: msg", its usage line and
 * "try 'bodycam --help'") and returns 2.
 */
int bc_cli_usage(const struct bc_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * bc_cli_usage for a library error code, err, that the arguments caused
 * (an empty --officer): its message with the option of err->field, as
 * bc_cli_fail names it; the --json error document has the library's
 * code and field, as bc_cli_fail's.  Returns 2.
 */
int bc_cli_usage_err(const struct bc_cmd *cmd, int code,
    const struct bc_err *err);

/*
 * For getopt_long's '?' and ':' results: prints which option was unknown
 * or lacks its value, and returns 2.
 */
int bc_cli_badopt(const struct bc_cmd *cmd, int c, char **argv);

/*
 * One option of a command for bc_cli_opts: its long name and where it
 * goes, the text of its value (arg) or, for an option without a value, 1
 * (flag).  A table ends with a NULL name.
 */
struct bc_cli_opt {
	const char	 *name;
	const char	**arg;
	int		 *flag;
};

#define BC_CLI_OPTS_MAX	16

/*
 * Reads argv's options by the table opts (at most BC_CLI_OPTS_MAX), the
 * last of a repeated option winning.  Returns 0 with optind at the first
 * operand, or, after bc_cli_badopt, 2.
 */
int bc_cli_opts(const struct bc_cmd *cmd, int argc, char **argv,
    const struct bc_cli_opt *opts);

/*
 * Runs this command line in bodycam-serve instead (execv; the only
 * binary that links libmicrohttpd): returns only on failure, 3.
 */
int bc_cli_exec_serve(struct bc_ctx *ctx);

/* Parses --listen's ADDR:PORT or [V6ADDR]:PORT.  0, or -1. */
int bc_cli_parse_listen(const char *s, struct sockaddr_storage *addr,
    socklen_t *addrlen);

/*
 * What custody add and annotate print for the event recorded: "ITEM  seq
 * N  ACTION  HASH" (and the derived item, the checked copy), or with
 * --json {item, seq, action, hash, child?, copy_sha256?}.  Returns 0, or
 * the exit status when out of memory.
 */
int bc_cli_recorded(struct bc_ctx *ctx, const char *action,
    const struct bc_custody_result *res);

/*
 * Warns on stderr when category (may be NULL) is not in the current
 * retention policy, which keeps such items (retention.h); a policy that
 * refuses them makes the write itself fail.
 */
void bc_cli_category_warn(struct bc_ctx *ctx, const char *category);

/* Prints the --help text of one command (or of all when cmd is NULL). */
void bc_cli_help(FILE *fp, const struct bc_cmd *cmd);

/*
 * Reports a library error for err/code: prints it, with the running
 * command's option for err->field when it has one ("hold needs a reason
 * (--reason)"), and returns the exit status that goes with it.
 */
int bc_cli_fail(int code, const struct bc_err *err);

/*
 * Reads the checkpoint file at path (a signed note, at most BC_NOTE_MAX
 * bytes) into *note (*len bytes; the caller frees it) and checks it
 * against the catalog: its signature by a key of kr, its origin, and that
 * the log still gives its root.  Returns 0 or prints why and returns the
 * exit status (2: unreadable or not a checkpoint; 1: it does not check
 * out, or the log does not extend it).
 */
int bc_cli_checkpoint_file(struct bc_ctx *ctx, const struct bc_keyring *kr,
    const char *path, char **note, size_t *len,
    struct bc_signed_checkpoint *sc);

/*
 * The file name a manifest seals, quoted (bc_cli_q): its original bytes
 * when file.name_bytes holds them (a name that is not UTF-8), else
 * file.name; "?" when mdoc is NULL or names no file.
 */
const char *bc_cli_file_name(const json_t *mdoc);

/*
 * Prints one entry of an annotation history ({"seq", "at", "actor",
 * "reason", "set", "clear"}, bc_report_annotations) on a line of its
 * own: who set and cleared what, when and why, quoted (bc_cli_q).
 */
void bc_cli_print_annotation(const json_t *h);

/* Lower-case hex of a hash into a new JSON string. */
json_t *bc_cli_json_hex(const uint8_t h[BC_SHA256_LEN]);

/*
 * Writes s to fp as one CSV field (RFC 4180), followed by ',' or, when
 * last, by the end of the row.  Text that a spreadsheet would run as a
 * formula (= + - @ TAB CR first) is quoted and prefixed with ' so that an
 * export cannot execute.
 */
void bc_cli_csv_field(FILE *fp, const char *s, int last);

/*
 * Creates path for an output file that must be new (O_EXCL, O_NOFOLLOW,
 * mode 0644): an existing file or link is never written over
 * (BC_ERR_EXISTS).  Returns 0 with *fd open, or the error.
 */
int bc_cli_create_new(const char *path, int *fd, struct bc_err *err);

/*
 * Writes all of buf to fd (from bc_cli_create_new), syncs and closes it;
 * removes path when any of that fails.
 */
int bc_cli_write_new(int fd, const char *path, const char *buf, size_t len,
    struct bc_err *err);

#endif /* BODYCAM_CLI_H */
