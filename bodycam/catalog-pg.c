/*
 * catalog-pg.c - the PostgreSQL engine of the catalog (catalog-int.h),
 * through libpq: a catalog named by a postgresql:// or postgres:// URI.
 *
 * The database is made by its administrator (docs/DEPLOY.md); 'bodycam
 * init' makes the tables in it, at the current schema, in one
 * transaction.  Each connection runs with synchronous_commit on, so that
 * an acknowledged write is on the primary's disk (and, with synchronous
 * standbys configured, theirs), and with a lock timeout equal to SQLite's
 * busy timeout.
 *
 * Writers: bc_pg_begin (bc_catalog_begin) takes one transaction-scoped
 * advisory lock, the catalog's write lock, so that what a writer reads inside (the next
 * item number, a chain head, the log's size) cannot change before it
 * commits, whichever machine the other writers run on.  Several service
 * instances therefore append to one log, in commit order, without gaps
 * or forks; each still commits its requests in groups.
 *
 * Statements: the catalog's SQL is written with ?N parameters; here they
 * become $N.  Values go as text, typed text or bigint (a value not bound
 * is a NULL text), or for blobs as binary bytea; results come as text,
 * bytea decoded.  A result is read whole, so that statements may be
 * interleaved as SQLite allows, except a scan inside a transaction
 * (bc_cat_prepare_scan), read through a cursor a page at a time.  Each
 * connection prepares a statement text once and executes it after.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "bodycam/buf.h"
#include "bodycam/hash.h"
#include "catalog-int.h"

/*
 * libpq is loaded when a PostgreSQL catalog is first opened, not linked:
 * a bodycam that works on a file, as most do, starts without it and the
 * libraries it brings (LDAP, GSSAPI, GnuTLS), as fast as before and with
 * nothing more mapped (t-privsep.sh checks).  Its declarations come from
 * libpq-fe.h; the calls go through this table.
 */
static struct {
	void		*h;
	PGconn		*(*connectdb)(const char *);
	ConnStatusType	 (*status)(const PGconn *);
	PGTransactionStatusType (*transactionStatus)(const PGconn *);
	char		*(*errorMessage)(const PGconn *);
	void		 (*finish)(PGconn *);
	void		 (*reset)(PGconn *);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor,
			    void *);
	PGresult	*(*exec)(PGconn *, const char *);
	PGresult	*(*execParams)(PGconn *, const char *, int,
			    const Oid *, const char *const *, const int *,
			    const int *, int);
	PGresult	*(*prepare)(PGconn *, const char *, const char *, int,
			    const Oid *);
	PGresult	*(*execPrepared)(PGconn *, const char *, int,
			    const char *const *, const int *, const int *,
			    int);
	ExecStatusType	 (*resultStatus)(const PGresult *);
	char		*(*resultErrorField)(const PGresult *, int);
	void		 (*clear)(PGresult *);
	char		*(*cmdTuples)(PGresult *);
	int		 (*ntuples)(const PGresult *);
	int		 (*nfields)(const PGresult *);
	char		*(*getvalue)(const PGresult *, int, int);
	int		 (*getlength)(const PGresult *, int, int);
	int		 (*getisnull)(const PGresult *, int, int);
	Oid		 (*ftype)(const PGresult *, int);
} pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_why[256];

static void
pq_load(void)
{
	static const char *const libs[] = { "libpq.so.5", "libpq.so", NULL };
	static const struct {
		const char	*name;
		size_t		 off;
	} syms[] = {
#define SYM(f, n)	{ n, offsetof(__typeof__(pq), f) }
		SYM(connectdb, "PQconnectdb"), SYM(status, "PQstatus"),
		SYM(transactionStatus, "PQtransactionStatus"),
		SYM(errorMessage, "PQerrorMessage"), SYM(finish, "PQfinish"),
		SYM(reset, "PQreset"),
		SYM(setNoticeProcessor, "PQsetNoticeProcessor"),
		SYM(exec, "PQexec"), SYM(execParams, "PQexecParams"),
		SYM(prepare, "PQprepare"), SYM(execPrepared, "PQexecPrepared"),
		SYM(resultStatus, "PQresultStatus"),
		SYM(resultErrorField, "PQresultErrorField"),
		SYM(clear, "PQclear"), SYM(cmdTuples, "PQcmdTuples"),
		SYM(ntuples, "PQntuples"), SYM(nfields, "PQnfields"),
		SYM(getvalue, "PQgetvalue"), SYM(getlength, "PQgetlength"),
		SYM(getisnull, "PQgetisnull"), SYM(ftype, "PQftype"),
#undef SYM
	};
	const char *e = NULL;
	void *h = NULL, *p;
	size_t i;

	for (i = 0; libs[i] != NULL && h == NULL; i++)
		if ((h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL)) == NULL)
			e = dlerror();
	if (h == NULL) {
		snprintf(pq_why, sizeof(pq_why), "%s", e ? e : "not found");
		return;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if ((p = dlsym(h, syms[i].name)) == NULL) {
			snprintf(pq_why, sizeof(pq_why), "libpq has no %s",
			    syms[i].name);
			dlclose(h);
			return;
		}
		memcpy((char *)&pq + syms[i].off, &p, sizeof(p));
	}
	pq.h = h;
}

static int
pq_ready(const char *shown, struct bc_err *err)
{
	pthread_once(&pq_once, pq_load);
	if (pq.h != NULL)
		return 0;
	return bc_err_set(err, BC_ERR_DB, "%s: a catalog on PostgreSQL needs "
	    "libpq, which could not be loaded (%s): install Debian's libpq5",
	    shown, pq_why);
}

#define PQconnectdb		pq.connectdb
#define PQstatus		pq.status
#define PQtransactionStatus	pq.transactionStatus
#define PQerrorMessage		pq.errorMessage
#define PQfinish		pq.finish
#define PQreset			pq.reset
#define PQsetNoticeProcessor	pq.setNoticeProcessor
#define PQexec			pq.exec
#define PQexecParams		pq.execParams
#define PQprepare		pq.prepare
#define PQexecPrepared		pq.execPrepared
#define PQresultStatus		pq.resultStatus
#define PQresultErrorField	pq.resultErrorField
#define PQclear			pq.clear
#define PQcmdTuples		pq.cmdTuples
#define PQntuples		pq.ntuples
#define PQnfields		pq.nfields
#define PQgetvalue		pq.getvalue
#define PQgetlength		pq.getlength
#define PQgetisnull		pq.getisnull
#define PQftype			pq.ftype

#define BYTEAOID	17
#define INT8OID		20
#define INT2OID		21
#define INT4OID		23
#define TEXTOID		25
#define PG_MAXPARAM	128
#define PG_FETCH	2048	/* rows a cursor fetches at a time */
#define PG_NPREP	512	/* prepared statements a connection keeps */
/* the write lock: pg_advisory_xact_lock's key, 'BCM1' */
#define PG_WRITE_LOCK	"1111706929"

struct bc_pg {
	PGconn		*conn;
	char		 sqlstate[6];
	char		*msg;		/* the last error, one line */
	int64_t		 changes;
	int64_t		 last_id;
	unsigned	 ncursor;	/* cursors declared, for names */
	unsigned	 txgen;		/* transactions begun */
	/* statements prepared on this connection, by text and parameter
	   types (open addressing); lost with the connection */
	struct pg_prep {
		char		*key;		/* NULL: a free slot */
		size_t		 keylen;
		unsigned	 id;		/* named "bc_p<id>" */
	}		 prep[PG_NPREP];
	unsigned	 nprep;
	unsigned	 nextid;	/* names prepared on this connection */
};

struct bc_pgst {
	struct bc_catalog	*cat;
	char			*sql;		/* with $N */
	int			 nparam;
	int			 returning_id;	/* INSERT ... RETURNING id added */
	int			 scan;		/* read through a cursor */
	char			 cursor[24];	/* its name, "" when none open */
	unsigned		 txgen;		/* the transaction it lives in */
	int			 more;		/* the cursor may have more rows */
	int			 bad;		/* a value could not be bound */
	char			*val[PG_MAXPARAM];
	int			 len[PG_MAXPARAM];
	int			 fmt[PG_MAXPARAM];
	unsigned int		 type[PG_MAXPARAM];
	PGresult		*res;
	int			 row;		/* -1: not run */
	int			 nrow;
	uint8_t			**dec;		/* decoded bytea of this row */
	int			*declen;
	int			 ncol;
};

/* Tables whose id the engine gives (catalog-pg-schema.c: max + 1). */
static const char *const id_tables[] = {
	"events", "tokens", "checkpoints", "cosignatures", "timestamps",
	"releases", NULL
};

int
bc_pg_is_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0;
}


/* Whether the parameter name p (n bytes, percent-encoded) is "password". */
static int
is_password_param(const char *p, size_t n)
{
	static const char want[] = "password";
	size_t i, k;
	uint8_t b;
	char h[3];
	int c;

	for (i = 0, k = 0; i < n; i++, k++) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if (n - i < 3)
				return 0;
			h[0] = p[i + 1];
			h[1] = p[i + 2];
			h[2] = '\0';
			if (bc_unhex(h, &b, 1) != 0)
				return 0;
			c = b;
			i += 2;
		}
		if (k >= sizeof(want) - 1 || c != want[k])
			return 0;
	}
	return k == sizeof(want) - 1;
}

/*
 * The URI for messages: its password, if any, replaced by "***", in the
 * user part (user:secret@host) and as a parameter (?password=secret;
 * libpq decodes a parameter's name, so "%70assword" is one too).  A
 * password in the URI is allowed (libpq reads it) but never printed;
 * ~/.pgpass, PGPASSWORD or a Unix socket's peer authentication are
 * better places for it.
 */
char *
bc_pg_redact(const char *uri)
{
	const char *p = strstr(uri, "://"), *auth, *at, *colon, *q;
	char *out, *o;
	size_t n, len;

	if (p == NULL)
		return strdup(uri);
	/* "***" for each password: at most 3 bytes more than each name */
	if ((out = malloc(2 * strlen(uri) + 8)) == NULL)
		return NULL;
	p += 3;
	auth = p + strcspn(p, "/?");
	for (at = NULL, q = p; q < auth; q++)
		if (*q == '@')
			at = q;
	o = out;
	memcpy(o, uri, (size_t)(p - uri));
	o += p - uri;
	if (at != NULL && (colon = memchr(p, ':', (size_t)(at - p))) !=
	    NULL) {
		memcpy(o, p, (size_t)(colon - p));
		o += colon - p;
		memcpy(o, ":***", 4);
		o += 4;
		p = at;
	}
	if ((q = strchr(p, '?')) == NULL)
		q = p + strlen(p);
	else
		q++;
	memcpy(o, p, (size_t)(q - p));
	o += q - p;
	for (p = q; *p != '\0'; p += len) {
		len = strcspn(p, "&");
		n = strcspn(p, "=&");
		if (n < len && is_password_param(p, n)) {
			memcpy(o, p, n + 1);
			o += n + 1;
			memcpy(o, "***", 3);
			o += 3;
		} else {
			memcpy(o, p, len);
			o += len;
		}
		if (p[len] == '&') {
			*o++ = '&';
			len++;
		}
	}
	*o = '\0';
	return out;
}

static void
set_error(struct bc_catalog *cat, const PGresult *res)
{
	struct bc_pg *pg = cat->pg;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	const char *m = res ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char *nl;

	snprintf(pg->sqlstate, sizeof(pg->sqlstate), "%s",
	    state ? state : "");
	free(pg->msg);
	if (m == NULL)
		m = PQerrorMessage(pg->conn);
	pg->msg = strdup(m ? m : "unknown error");
	if (pg->msg != NULL && (nl = strchr(pg->msg, '\n')) != NULL)
		*nl = '\0';
}

const char *
bc_pg_errmsg(struct bc_catalog *cat)
{
	return cat->pg->msg ? cat->pg->msg : "unknown error";
}

int
bc_pg_err(struct bc_catalog *cat, struct bc_err *err, const char *what)
{
	const char *s = cat->pg->sqlstate;

	if (strcmp(s, "55P03") == 0 || strcmp(s, "40001") == 0 ||
	    strcmp(s, "40P01") == 0)
		return bc_err_set(err, BC_ERR_BUSY, "%s: catalog is locked by "
		    "another writer (waited %d s): %s", cat->path,
		    BC_CAT_BUSY_TIMEOUT_MS / 1000, bc_pg_errmsg(cat));
	if (strcmp(s, "53100") == 0)
		return bc_err_set(err, BC_ERR_FULL, "%s: %s: disk full on the "
		    "database server: nothing was written", cat->path, what);
	if (strcmp(s, "25006") == 0)
		return bc_err_set(err, BC_ERR_DB, "%s: %s: the catalog cannot "
		    "be written here (%s)", cat->path, what,
		    bc_pg_errmsg(cat));
	if (strcmp(s, "42501") == 0)
		return bc_err_set(err, BC_ERR_DB, "%s: %s: the database role "
		    "may not do this (%s)", cat->path, what,
		    bc_pg_errmsg(cat));
	return bc_err_set(err, BC_ERR_DB, "%s: %s: %s", cat->path, what,
	    bc_pg_errmsg(cat));
}

/* Runs sql (no parameters); the result when it is one of want. */
static PGresult *
run(struct bc_catalog *cat, const char *sql, ExecStatusType want)
{
	PGresult *res = PQexec(cat->pg->conn, sql);

	if (res == NULL || PQresultStatus(res) != want) {
		set_error(cat, res);
		PQclear(res);
		return NULL;
	}
	return res;
}

int
bc_pg_exec(struct bc_catalog *cat, const char *sql, struct bc_err *err)
{
	PGresult *res;

	if ((res = PQexec(cat->pg->conn, sql)) == NULL ||
	    (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)) {
		set_error(cat, res);
		PQclear(res);
		return err ? bc_pg_err(cat, err, "exec") : BC_ERR_DB;
	}
	PQclear(res);
	return 0;
}

/* The session's settings, on every new connection. */
static int
session(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	/* durability and the busy timeout of SQLite, whatever the server's
	   defaults */
	/* the client's encoding is the database's, whatever PGCLIENTENCODING
	   says: bytes go in and come out as they are (SQL_ASCII stores any,
	   as SQLite does; UTF8 refuses what is not UTF-8) */
	if ((r = bc_pg_exec(cat, "SET synchronous_commit = on;"
	    " SET lock_timeout = '30s'; SELECT set_config('client_encoding',"
	    " current_setting('server_encoding'), false);"
	    " SET client_min_messages = warning", err)) != 0)
		return r;
	if (cat->read_only)
		return bc_pg_exec(cat, "SET default_transaction_read_only = on",
		    err);
	return 0;
}

/* The statements prepared on a connection that is gone or closing. */
static void
forget_prepared(struct bc_pg *pg)
{
	size_t i;

	for (i = 0; i < PG_NPREP; i++) {
		free(pg->prep[i].key);
		pg->prep[i].key = NULL;
	}
	pg->nprep = 0;
	pg->nextid = 0;
}

/*
 * A connection that broke (the server restarted, or failed over to a
 * standby that libpq finds again through the URI's hosts and
 * target_session_attrs) is made again before the next transaction or
 * statement outside one; what was in flight failed, and was not
 * acknowledged.
 */
static int
reconnect(struct bc_catalog *cat, struct bc_err *err)
{
	PGconn *conn = cat->pg->conn;
	const char *m;

	if (PQstatus(conn) == CONNECTION_OK)
		return 0;
	forget_prepared(cat->pg);
	PQreset(conn);
	if (PQstatus(conn) != CONNECTION_OK) {
		m = PQerrorMessage(conn);
		snprintf(cat->pg->sqlstate, sizeof(cat->pg->sqlstate), "08006");
		free(cat->pg->msg);
		cat->pg->msg = strndup(m, strcspn(m, "\n"));
		return bc_err_set(err, BC_ERR_DB, "%s: cannot connect again: "
		    "%.*s", cat->path, (int)strcspn(m, "\n"), m);
	}
	return session(cat, err);
}

/*
 * A BEGIN whose lock or first read failed (the lock timed out) has left
 * a transaction open and aborted, which would refuse everything the
 * connection is asked after: it is rolled back, the error kept.
 */
static int
failed_begin(struct bc_catalog *cat, struct bc_err *err)
{
	int r = bc_pg_err(cat, err, "begin");

	if (PQstatus(cat->pg->conn) == CONNECTION_OK)
		PQclear(PQexec(cat->pg->conn, "ROLLBACK"));
	return r;
}

/* mode: BC_PG_READ (a snapshot) or BC_PG_WRITE (the write lock). */
int
bc_pg_begin(struct bc_catalog *cat, int mode, struct bc_err *err)
{
	const char *sql = mode == BC_PG_WRITE ?
	    "BEGIN ISOLATION LEVEL READ COMMITTED;"
	    " SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")" :
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
	    " SELECT count(*) FROM meta";
	int r;

	if ((r = reconnect(cat, err)) != 0)
		return r;
	cat->pg->txgen++;
	/* one round trip: the lock is the first thing the transaction does.
	   A connection the server ended while it was idle is only found
	   broken here: nothing was done, so it begins again on a new one */
	if (bc_pg_exec(cat, sql, NULL) == 0)
		return 0;
	if (PQstatus(cat->pg->conn) == CONNECTION_OK)
		return failed_begin(cat, err);
	if ((r = reconnect(cat, err)) != 0)
		return r;
	if (bc_pg_exec(cat, sql, NULL) == 0)
		return 0;
	return failed_begin(cat, err);
}

/* Whether a statement failed in the transaction, which refuses the rest. */
int
bc_pg_tx_failed(struct bc_catalog *cat)
{
	return PQtransactionStatus(cat->pg->conn) != PQTRANS_INTRANS;
}

int64_t
bc_pg_changes(struct bc_catalog *cat)
{
	return cat->pg->changes;
}

int64_t
bc_pg_last_id(struct bc_catalog *cat)
{
	return cat->pg->last_id;
}

void
bc_pg_close(struct bc_catalog *cat)
{
	if (cat->pg == NULL)
		return;
	if (cat->pg->conn != NULL)
		PQfinish(cat->pg->conn);
	forget_prepared(cat->pg);
	free(cat->pg->msg);
	free(cat->pg);
	cat->pg = NULL;
}

/* A catalog this file made and could not finish opening. */
static void
free_cat(struct bc_catalog *cat)
{
	bc_pg_close(cat);
	free(cat->path);
	free(cat);
}

/* Notices (a trigger's, the server's) are not for the user's terminal. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
connect_pg(const char *uri, int flags, struct bc_catalog **out,
    struct bc_err *err)
{
	struct bc_catalog *cat;
	const char *shown;
	int r;

	*out = NULL;
	if ((cat = calloc(1, sizeof(*cat))) == NULL ||
	    (cat->pg = calloc(1, sizeof(*cat->pg))) == NULL ||
	    (cat->path = bc_pg_redact(uri)) == NULL) {
		if (cat != NULL) {
			free(cat->pg);
			free(cat);
		}
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	cat->engine = BC_ENGINE_PG;
	cat->read_only = (flags & BC_CATALOG_READ_ONLY) != 0;
	if ((r = pq_ready(cat->path, err)) != 0) {
		free_cat(cat);
		return r;
	}
	cat->pg->conn = PQconnectdb(uri);
	if (cat->pg->conn == NULL || PQstatus(cat->pg->conn) != CONNECTION_OK) {
		shown = cat->pg->conn ? PQerrorMessage(cat->pg->conn) :
		    "out of memory";
		r = bc_err_set(err, BC_ERR_DB, "%s: cannot connect: %.*s",
		    cat->path, (int)strcspn(shown, "\n"), shown);
		free_cat(cat);
		return r;
	}
	PQsetNoticeProcessor(cat->pg->conn, quiet, NULL);
	if ((r = session(cat, err)) != 0) {
		free_cat(cat);
		return r;
	}
	*out = cat;
	return 0;
}

int
bc_pg_schema(struct bc_catalog *cat, int *version, struct bc_err *err)
{
	PGresult *res;

	if ((res = run(cat, "SELECT app_id, version FROM bodycam_catalog",
	    PGRES_TUPLES_OK)) == NULL) {
		if (strcmp(cat->pg->sqlstate, "42P01") == 0)
			return bc_err_set(err, BC_ERR_NOT_CATALOG, "%s is not "
			    "a bodycam catalog (the database has no bodycam "
			    "tables: make them with 'bodycam init')",
			    cat->path);
		return bc_pg_err(cat, err, "read schema version");
	}
	if (PQntuples(res) != 1 || strtoll(PQgetvalue(res, 0, 0), NULL, 10) !=
	    BC_CATALOG_APP_ID) {
		PQclear(res);
		return bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s is not a bodycam catalog", cat->path);
	}
	*version = (int)strtol(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

int
bc_pg_open(const char *uri, int flags, struct bc_catalog **out,
    struct bc_err *err)
{
	struct bc_catalog *cat;
	int v, r;

	if ((r = connect_pg(uri, flags, &cat, err)) != 0)
		return r;
	/* bc_catalog_open_flags brings it to the current schema */
	if ((r = bc_pg_schema(cat, &v, err)) != 0) {
		free_cat(cat);
		return r;
	}
	*out = cat;
	return 0;
}

/* catalog-pg-schema.c */
extern const char bc_pg_schema_sql[];

int
bc_pg_create(const char *uri, struct bc_catalog **out, struct bc_err *err)
{
	struct bc_catalog *cat;
	PGresult *res;
	char sql[128];
	int r;

	if ((r = connect_pg(uri, 0, &cat, err)) != 0)
		return r;
	if ((r = bc_pg_begin(cat, BC_PG_WRITE, err)) != 0)
		goto fail;
	cat->in_tx = 1;
	cat->write_tx = 1;
	if ((res = run(cat, "SELECT to_regclass('bodycam_catalog') IS NOT NULL",
	    PGRES_TUPLES_OK)) == NULL) {
		r = bc_pg_err(cat, err, "look for a catalog");
		goto fail;
	}
	r = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (r) {
		r = bc_err_set(err, BC_ERR_EXISTS, "%s: a bodycam catalog "
		    "already exists in that database; refusing to overwrite "
		    "it", cat->path);
		goto fail;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO bodycam_catalog (app_id, "
	    "version) VALUES (%d, %d)", (int)BC_CATALOG_APP_ID,
	    BC_CATALOG_SCHEMA);
	if ((r = bc_pg_exec(cat, bc_pg_schema_sql, err)) != 0 ||
	    (r = bc_pg_exec(cat, sql, err)) != 0)
		goto fail;
	/* bc_catalog_create records the admin key and commits */
	*out = cat;
	return 0;
 fail:
	free_cat(cat);
	return r;
}

/* Statements. */

/* sql with ?N (and bare ?) as $N, outside quotes; NULL when out of memory */
static char *
translate(const char *sql, int *nparam)
{
	size_t n = strlen(sql);
	char *out = malloc(4 * n + 16), *o = out, q = 0;
	int last = 0, max = 0, k;

	if (out == NULL)
		return NULL;
	for (; *sql != '\0'; sql++) {
		if (q != 0) {
			if (*sql == q)
				q = 0;
			*o++ = *sql;
			continue;
		}
		if (*sql == '\'' || *sql == '"') {
			q = *sql;
			*o++ = *sql;
			continue;
		}
		if (*sql != '?') {
			*o++ = *sql;
			continue;
		}
		if (sql[1] >= '0' && sql[1] <= '9') {
			k = (int)strtol(sql + 1, NULL, 10);
			while (sql[1] >= '0' && sql[1] <= '9')
				sql++;
		} else {
			k = last + 1;
		}
		last = k;
		if (k > max)
			max = k;
		o += sprintf(o, "$%d", k);
	}
	*o = '\0';
	*nparam = max;
	return out;
}

/* "INSERT INTO t" where t's id is the engine's: its new id is returned */
static int
inserts_id(const char *sql)
{
	size_t i, n;

	if (strncmp(sql, "INSERT INTO ", 12) != 0)
		return 0;
	sql += 12;
	for (i = 0; id_tables[i] != NULL; i++) {
		n = strlen(id_tables[i]);
		if (strncmp(sql, id_tables[i], n) == 0 && sql[n] == ' ')
			return 1;
	}
	return 0;
}

int
bc_pgst_prepare(struct bc_catalog *cat, const char *sql,
    struct bc_pgst **out)
{
	struct bc_pgst *st;
	char *t;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto nomem;
	st->cat = cat;
	bc_pgst_reset(st);
	if ((st->sql = translate(sql, &st->nparam)) == NULL)
		goto nomem;
	if (st->nparam > PG_MAXPARAM) {
		bc_pgst_finalize(st);
		snprintf(cat->pg->sqlstate, sizeof(cat->pg->sqlstate), "XX000");
		free(cat->pg->msg);
		cat->pg->msg = strdup("too many parameters");
		return -1;
	}
	if (inserts_id(sql)) {
		if ((t = malloc(strlen(st->sql) + sizeof(" RETURNING id"))) ==
		    NULL)
			goto nomem;
		sprintf(t, "%s RETURNING id", st->sql);
		free(st->sql);
		st->sql = t;
		st->returning_id = 1;
	}
	*out = st;
	return 0;
 nomem:
	bc_pgst_finalize(st);
	snprintf(cat->pg->sqlstate, sizeof(cat->pg->sqlstate), "53200");
	free(cat->pg->msg);
	cat->pg->msg = strdup("out of memory");
	return -1;
}

void
bc_pgst_scan(struct bc_pgst *st)
{
	st->scan = 1;
}

int
bc_pgst_bind(struct bc_pgst *st, int i, const void *v, int len, int kind)
{
	char num[24];

	if (i < 1 || i > PG_MAXPARAM || len < 0) {
		st->bad = 1;
		return -1;
	}
	/* PostgreSQL's text holds no NUL byte: refused, never cut short */
	if (kind == BC_PGST_TEXT && len > 0 && memchr(v, '\0', (size_t)len) !=
	    NULL) {
		st->bad = 1;
		return -1;
	}
	i--;
	free(st->val[i]);
	st->val[i] = NULL;
	st->len[i] = 0;
	st->fmt[i] = 0;
	st->type[i] = TEXTOID;
	switch (kind) {
	case BC_PGST_NULL:
		return 0;
	case BC_PGST_INT:
		len = snprintf(num, sizeof(num), "%" PRId64,
		    *(const int64_t *)v);
		v = num;
		st->type[i] = INT8OID;
		break;
	case BC_PGST_BLOB:
		st->fmt[i] = 1;
		st->type[i] = BYTEAOID;
		break;
	}
	if ((st->val[i] = malloc((size_t)len + 1)) == NULL) {
		st->bad = 1;
		return -1;
	}
	if (len > 0)
		memcpy(st->val[i], v, (size_t)len);
	st->val[i][len] = '\0';
	st->len[i] = len;
	return 0;
}

static void
clear_row(struct bc_pgst *st)
{
	int c;

	if (st->dec == NULL)
		return;
	for (c = 0; c < st->ncol; c++) {
		free(st->dec[c]);
		st->dec[c] = NULL;
	}
}

/* Takes st->res as the current batch of rows. */
static int
take(struct bc_pgst *st)
{
	uint8_t **dec;
	int *declen;

	st->nrow = PQresultStatus(st->res) == PGRES_TUPLES_OK ?
	    PQntuples(st->res) : 0;
	if (st->dec == NULL) {
		st->ncol = PQnfields(st->res);
		if (st->ncol > 0) {
			dec = calloc((size_t)st->ncol, sizeof(*dec));
			declen = calloc((size_t)st->ncol, sizeof(*declen));
			if (dec == NULL || declen == NULL) {
				free(dec);
				free(declen);
				return -1;
			}
			st->dec = dec;
			st->declen = declen;
		}
	}
	st->row = 0;
	return 0;
}

static int
fail_step(struct bc_pgst *st)
{
	set_error(st->cat, st->res);
	PQclear(st->res);
	st->res = NULL;
	st->row = 0;
	st->nrow = 0;
	st->more = 0;
	return strncmp(st->cat->pg->sqlstate, "23", 2) == 0 ? BC_CONSTRAINT :
	    BC_STEP_ERROR;
}

/* The next PG_FETCH rows of st's cursor. */
static int
fetch(struct bc_pgst *st)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "FETCH %d FROM %s", PG_FETCH, st->cursor);
	PQclear(st->res);
	st->res = PQexec(st->cat->pg->conn, sql);
	if (st->res == NULL || PQresultStatus(st->res) != PGRES_TUPLES_OK)
		return -1;
	if (take(st) != 0)
		return -1;
	st->more = st->nrow == PG_FETCH;
	return 0;
}

/* Closes st's cursor when it is still open in this transaction. */
static void
close_cursor(struct bc_pgst *st)
{
	struct bc_pg *pg = st->cat->pg;
	char sql[48];

	if (st->cursor[0] == '\0')
		return;
	if (st->cat->in_tx && st->txgen == pg->txgen) {
		snprintf(sql, sizeof(sql), "CLOSE %s", st->cursor);
		PQclear(PQexec(pg->conn, sql));
	}
	st->cursor[0] = '\0';
}

/*
 * A scan inside a transaction reads through a cursor, PG_FETCH rows at a
 * time, so that reading a million rows does not hold them all here.
 */
static int
declare(struct bc_pgst *st)
{
	struct bc_pg *pg = st->cat->pg;
	char *sql;

	snprintf(st->cursor, sizeof(st->cursor), "bc_c%u", ++pg->ncursor);
	if ((sql = malloc(strlen(st->sql) + 64)) == NULL) {
		st->cursor[0] = '\0';
		return -1;
	}
	sprintf(sql, "DECLARE %s NO SCROLL CURSOR FOR %s", st->cursor,
	    st->sql);
	st->res = PQexecParams(pg->conn, sql, st->nparam, st->type,
	    (const char *const *)st->val, st->len, st->fmt, 0);
	free(sql);
	if (st->res == NULL || PQresultStatus(st->res) != PGRES_COMMAND_OK) {
		st->cursor[0] = '\0';
		return -1;
	}
	st->txgen = pg->txgen;
	return fetch(st);
}

/*
 * Runs st: the server parses and plans a statement text once a
 * connection, so the first run prepares it (named, for these parameter
 * types) and every later one only executes it. When the table is full, or
 * a statement cannot be prepared here, it runs unprepared: the server's
 * error then is the same as it would be.
 */
static PGresult *
execute(struct bc_pgst *st)
{
	struct bc_pg *pg = st->cat->pg;
	struct pg_prep *e;
	PGresult *res;
	size_t n = strlen(st->sql), klen = n + 1 + (size_t)st->nparam, i;
	uint64_t h = 1469598103934665603ULL;
	char key[4096], name[24];

	if (klen > sizeof(key))
		goto plain;
	memcpy(key, st->sql, n + 1);
	for (i = 0; i < (size_t)st->nparam; i++)
		key[n + 1 + i] = st->type[i] == INT8OID ? 'i' :
		    st->type[i] == BYTEAOID ? 'b' : 't';
	for (i = 0; i < klen; i++)
		h = (h ^ (uint8_t)key[i]) * 1099511628211ULL;
	for (i = h % PG_NPREP; pg->prep[i].key != NULL; i = (i + 1) % PG_NPREP)
		if (pg->prep[i].keylen == klen &&
		    memcmp(pg->prep[i].key, key, klen) == 0)
			goto run;
	/* a free slot; three in four used at most */
	if (pg->nprep >= PG_NPREP / 4 * 3)
		goto plain;
	e = &pg->prep[i];
	snprintf(name, sizeof(name), "bc_p%u", pg->nextid);
	res = PQprepare(pg->conn, name, st->sql, st->nparam, st->type);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	PQclear(res);
	/* out of memory: it runs prepared this once, its name unused */
	if ((e->key = malloc(klen)) != NULL) {
		memcpy(e->key, key, klen);
		e->keylen = klen;
		e->id = pg->nextid;
		pg->nprep++;
	}
	pg->nextid++;
	goto exec;
 run:
	snprintf(name, sizeof(name), "bc_p%u", pg->prep[i].id);
 exec:
	return PQexecPrepared(pg->conn, name, st->nparam,
	    (const char *const *)st->val, st->len, st->fmt, 0);
 plain:
	return PQexecParams(pg->conn, st->sql, st->nparam, st->type,
	    (const char *const *)st->val, st->len, st->fmt, 0);
}

int
bc_pgst_step(struct bc_pgst *st)
{
	struct bc_pg *pg = st->cat->pg;
	const char *tuples;
	ExecStatusType s;

	if (st->row < 0) {
		if (st->bad) {
			snprintf(pg->sqlstate, sizeof(pg->sqlstate), "22021");
			free(pg->msg);
			pg->msg = strdup("a value could not be bound (a text "
			    "holds a NUL byte, or out of memory): nothing was "
			    "run");
			return BC_STEP_ERROR;
		}
		if (!st->cat->in_tx && reconnect(st->cat, NULL) != 0)
			return BC_STEP_ERROR;
		if (st->scan && st->cat->in_tx) {
			if (declare(st) != 0)
				return fail_step(st);
			return st->row < st->nrow ? BC_ROW : BC_DONE;
		}
		st->res = execute(st);
		s = st->res ? PQresultStatus(st->res) : PGRES_FATAL_ERROR;
		/* a read outside a transaction on a connection the server
		   ended while it was idle: read again on a new one (a write
		   is never run twice) */
		if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK &&
		    !st->cat->in_tx && strncmp(st->sql, "SELECT ", 7) == 0 &&
		    PQstatus(pg->conn) != CONNECTION_OK &&
		    reconnect(st->cat, NULL) == 0) {
			PQclear(st->res);
			st->res = execute(st);
			s = st->res ? PQresultStatus(st->res) :
			    PGRES_FATAL_ERROR;
		}
		if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
			return fail_step(st);
		tuples = PQcmdTuples(st->res);
		pg->changes = tuples[0] ? strtoll(tuples, NULL, 10) : 0;
		if (take(st) != 0) {
			PQclear(st->res);
			st->res = NULL;
			return BC_STEP_ERROR;
		}
		if (st->returning_id) {
			if (st->nrow == 1)
				pg->last_id = strtoll(PQgetvalue(st->res, 0,
				    0), NULL, 10);
			st->nrow = 0;	/* an INSERT returns no rows */
		}
	} else {
		clear_row(st);
		if (st->row < st->nrow)
			st->row++;
		if (st->row >= st->nrow && st->more && fetch(st) != 0)
			return fail_step(st);
	}
	if (st->row < st->nrow)
		return BC_ROW;
	close_cursor(st);
	return BC_DONE;
}

void
bc_pgst_reset(struct bc_pgst *st)
{
	int i;

	if (st->cat != NULL && st->cat->pg != NULL)
		close_cursor(st);
	st->more = 0;
	st->bad = 0;
	clear_row(st);
	free(st->dec);
	free(st->declen);
	st->dec = NULL;
	st->declen = NULL;
	st->ncol = 0;
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->nrow = 0;
	for (i = 0; i < PG_MAXPARAM; i++) {
		free(st->val[i]);
		st->val[i] = NULL;
		st->len[i] = 0;
		st->fmt[i] = 0;
		st->type[i] = TEXTOID;
	}
}

void
bc_pgst_finalize(struct bc_pgst *st)
{
	if (st == NULL)
		return;
	bc_pgst_reset(st);
	free(st->sql);
	free(st);
}

int
bc_pgst_columns(struct bc_pgst *st)
{
	return st->res ? PQnfields(st->res) : 0;
}

static int
have(struct bc_pgst *st, int col)
{
	return st->res != NULL && st->row >= 0 && st->row < st->nrow &&
	    col >= 0 && col < st->ncol;
}

int
bc_pgst_is_null(struct bc_pgst *st, int col)
{
	return !have(st, col) || PQgetisnull(st->res, st->row, col);
}

int
bc_pgst_coltype(struct bc_pgst *st, int col)
{
	if (bc_pgst_is_null(st, col))
		return BC_COL_NULL;
	switch (PQftype(st->res, col)) {
	case BYTEAOID:
		return BC_COL_BLOB;
	case INT2OID:
	case INT4OID:
	case INT8OID:
		return BC_COL_INT;
	default:
		return BC_COL_TEXT;
	}
}

const char *
bc_pgst_value(struct bc_pgst *st, int col, int *len)
{
	const char *v;
	size_t n;

	if (len != NULL)
		*len = 0;
	if (!have(st, col) || PQgetisnull(st->res, st->row, col))
		return NULL;
	v = PQgetvalue(st->res, st->row, col);
	if (PQftype(st->res, col) != BYTEAOID) {
		if (len != NULL)
			*len = PQgetlength(st->res, st->row, col);
		return v;
	}
	/* bytea, in the hex output format: \x then two digits a byte */
	if (st->dec[col] == NULL) {
		n = (size_t)PQgetlength(st->res, st->row, col);
		if (n < 2 || v[0] != '\\' || v[1] != 'x' || n % 2 != 0)
			return NULL;
		n = (n - 2) / 2;
		if ((st->dec[col] = malloc(n + 1)) == NULL)
			return NULL;
		if (bc_unhex(v + 2, st->dec[col], n) != 0) {
			free(st->dec[col]);
			st->dec[col] = NULL;
			return NULL;
		}
		st->dec[col][n] = '\0';
		st->declen[col] = (int)n;
	}
	if (len != NULL)
		*len = st->declen[col];
	return (const char *)st->dec[col];
}
