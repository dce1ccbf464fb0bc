/*
 * tsa-time.c - the catalog's trusted times: which stored checkpoints an
 * RFC 3161 token dates, checked, and whether one of them shows that a
 * record signed by a key revoked since existed before the revocation.
 *
 * Authority stays a matter of log position (keys.h); trusted time only
 * adds what an outsider can check without trusting the agency's clock:
 * that the record was already in a checkpoint a TSA saw before the key
 * was revoked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bodycam/tlog.h"
#include "bodycam/tsa.h"

void
bc_tsa_times_clear(struct bc_tsa_times *tt)
{
	if (tt == NULL)
		return;
	free(tt->t);
	memset(tt, 0, sizeof(*tt));
}

/* The checkpoint of id among rows, or NULL. */
static const struct bc_checkpoint_row *
find_cp(const struct bc_checkpoint_row *rows, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].id == id)
			return &rows[i];
	return NULL;
}

int
bc_tsa_times_load(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_tsa_trust *trust, struct bc_tsa_times *out,
    struct bc_err *err)
{
	struct bc_checkpoint_row *cps = NULL;
	struct bc_timestamp_row *ts = NULL;
	struct bc_signed_checkpoint sc;
	const struct bc_checkpoint_row *cp;
	struct bc_tsa_token tok;
	struct bc_err e = { 0 };
	size_t ncp = 0, nts = 0, i;
	int r;

	memset(out, 0, sizeof(*out));
	out->trusted = trust != NULL;
	if ((r = bc_catalog_timestamps(cat, -1, &ts, &nts, err)) != 0)
		return r;
	if (nts == 0)
		return 0;
	if ((r = bc_catalog_checkpoints(cat, 0, &cps, &ncp, err)) != 0)
		goto out;
	if ((out->t = calloc(nts, sizeof(*out->t))) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nts; i++) {
		struct bc_tsa_time *t = &out->t[out->n++];

		t->token_id = ts[i].id;
		t->checkpoint = ts[i].checkpoint;
		snprintf(t->time, sizeof(t->time), "%s", ts[i].time);
		snprintf(t->tsa, sizeof(t->tsa), "%s", ts[i].tsa);
		if ((cp = find_cp(cps, ncp, ts[i].checkpoint)) == NULL) {
			t->bad = 1;
			snprintf(t->why, sizeof(t->why), "token %" PRId64
			    " is filed under checkpoint %" PRId64 ", which is "
			    "not stored", t->token_id, t->checkpoint);
			continue;
		}
		t->size = cp->size;
		r = bc_tsa_token_check(ts[i].token, ts[i].token_len, cp->note,
		    cp->note_len, trust, &tok, &e);
		if (r == BC_ERR_NOMEM || r == BC_ERR_CRYPTO) {
			bc_err_set(err, r, "%s", e.msg);
			goto out;
		}
		if (r != 0) {
			t->bad = 1;
			snprintf(t->why, sizeof(t->why), "token %" PRId64 " of "
			    "checkpoint %" PRId64 ": %.220s", t->token_id,
			    t->checkpoint, e.msg);
			continue;
		}
		t->latest = tok.latest;
		if (strcmp(tok.time, ts[i].time) != 0) {
			t->bad = 1;
			snprintf(t->why, sizeof(t->why), "token %" PRId64 " of "
			    "checkpoint %" PRId64 ": the stored time %s is not "
			    "the token's genTime %s", t->token_id,
			    t->checkpoint, ts[i].time, tok.time);
			bc_tsa_token_clear(&tok);
			continue;
		}
		bc_tsa_token_clear(&tok);
		/* the checkpoint must be this log's, and the log still it */
		if (bc_tlog_checkpoint_check(kr, kr->origin, cp->note,
		    cp->note_len, &sc, &e) != 0 ||
		    bc_tlog_holds(cat, cp->size, cp->root, &e) != 0) {
			snprintf(t->why, sizeof(t->why), "checkpoint %" PRId64
			    " of token %" PRId64 " does not check out: %.200s",
			    t->checkpoint, t->token_id, e.msg);
			continue;	/* the log audit reports the checkpoint */
		}
		t->ok = trust != NULL;
	}
	r = 0;
 out:
	bc_checkpoints_free(cps, ncp);
	bc_timestamps_free(ts, nts);
	if (r != 0)
		bc_tsa_times_clear(out);
	return r;
}

/* A record's time "2026-11-26T02:15:33.123456Z" to the second, floored. */
static int
stamp_seconds(const char *s, int64_t *sec)
{
	char buf[24];
	time_t t;

	if (strlen(s) < 19)
		return -1;
	snprintf(buf, sizeof(buf), "%.19sZ", s);
	if (bc_time_parse(buf, 0, &t) != 0)
		return -1;
	*sec = (int64_t)t;
	return 0;
}

const struct bc_tsa_time *
bc_tsa_covering(const struct bc_tsa_times *tt, const struct bc_keyring_entry *e,
    int64_t leaf)
{
	int64_t revoked;
	size_t i;

	if (e == NULL || e->revoked[0] == '\0' || leaf < 0 ||
	    stamp_seconds(e->revoked, &revoked) != 0)
		return NULL;
	for (i = 0; i < tt->n; i++)
		if (tt->t[i].ok && (uint64_t)leaf < tt->t[i].size &&
		    tt->t[i].latest < revoked)
			return &tt->t[i];
	return NULL;
}

json_t *
bc_tsa_timestamps_json(struct bc_catalog *cat, int64_t cp, struct bc_err *err)
{
	struct bc_timestamp_row *ts = NULL;
	json_t *arr, *o;
	size_t n = 0, i;

	if (bc_catalog_timestamps(cat, cp, &ts, &n, err) != 0)
		return NULL;
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if ((o = json_pack("{s:s, s:s}", "time", ts[i].time, "tsa",
		    ts[i].tsa)) == NULL || json_array_append_new(arr, o) != 0)
			goto nomem;
	bc_timestamps_free(ts, n);
	return arr;
 nomem:
	json_decref(arr);
	bc_timestamps_free(ts, n);
	bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	return NULL;
}
