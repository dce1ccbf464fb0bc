/*
 * policy.c - retention policies (retention.h): signed records of the
 * log, versioned, each naming the one before, checked whole on every
 * load as key documents are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/buf.h"
#include "bodycam/canon.h"
#include "bodycam/clock.h"
#include "bodycam/hash.h"
#include "bodycam/retention.h"
#include "bodycam/text.h"
#include "bodycam/util.h"
#include "internal.h"

void
bc_policy_free(struct bc_policy *p)
{
	if (p == NULL)
		return;
	free(p->periods);
	p->periods = NULL;
	p->nperiods = 0;
}

void
bc_policies_free(struct bc_policy *p, size_t n)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++)
		bc_policy_free(&p[i]);
	free(p);
}

static int
period_cmp(const void *a, const void *b)
{
	const struct bc_policy_period *x = a, *y = b;

	return strcmp(x->category, y->category);
}

const struct bc_policy_period *
bc_policy_period(const struct bc_policy *p, const char *category)
{
	struct bc_policy_period key;

	if (p == NULL || category == NULL || p->nperiods == 0 ||
	    strlen(category) >= sizeof(key.category))
		return NULL;
	snprintf(key.category, sizeof(key.category), "%s", category);
	return bsearch(&key, p->periods, p->nperiods, sizeof(*p->periods),
	    period_cmp);
}

static int
days_parse(const char *s, int64_t *days)
{
	uint64_t v;

	if (strcmp(s, "indefinite") == 0) {
		*days = BC_RETAIN_INDEFINITE;
		return 0;
	}
	if (bc_parse_uint(s, 0, BC_POLICY_DAYS_MAX, &v) != 0)
		return BC_ERR_INVALID;
	*days = (int64_t)v;
	return 0;
}

int
bc_policy_period_parse(const char *s, struct bc_policy_period *out,
    struct bc_err *err)
{
	const char *eq = strrchr(s, '=');

	memset(out, 0, sizeof(*out));
	if (eq == NULL || eq == s)
		return bc_err_set(err, BC_ERR_INVALID, "a period is CATEGORY="
		    "DAYS or CATEGORY=indefinite, not '%.64s'", s);
	if ((size_t)(eq - s) > BC_FIELD_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "a category is at most "
		    "%d bytes", BC_FIELD_MAX);
	snprintf(out->category, sizeof(out->category), "%.*s",
	    (int)(eq - s), s);
	if (bc_field_check("category", out->category, BC_FIELD_MAX,
	    err) != 0)
		return BC_ERR_INVALID;
	if (days_parse(eq + 1, &out->days) != 0)
		return bc_err_set(err, BC_ERR_INVALID, "the period of '%s' is "
		    "a number of days from 0 to %d, or 'indefinite', not "
		    "'%.32s'", out->category, BC_POLICY_DAYS_MAX, eq + 1);
	return 0;
}

/* Sorts p's periods and refuses none, too many, or one twice. */
static int
periods_check(struct bc_policy *p, struct bc_err *err)
{
	size_t i;

	if (p->nperiods == 0)
		return bc_err_set(err, BC_ERR_INVALID, "a policy names at "
		    "least one category");
	if (p->nperiods > BC_POLICY_CATEGORIES_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "a policy names at "
		    "most %d categories", BC_POLICY_CATEGORIES_MAX);
	qsort(p->periods, p->nperiods, sizeof(*p->periods), period_cmp);
	for (i = 1; i < p->nperiods; i++)
		if (strcmp(p->periods[i - 1].category,
		    p->periods[i].category) == 0)
			return bc_err_set(err, BC_ERR_INVALID, "category '%s' "
			    "is named twice", p->periods[i].category);
	if (p->grace_days < 0 || p->grace_days > BC_POLICY_GRACE_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "the grace period is "
		    "0 to %d days", BC_POLICY_GRACE_MAX);
	return 0;
}

static json_t *
periods_json(const struct bc_policy *p)
{
	json_t *o, *v;
	size_t i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < p->nperiods; i++) {
		v = p->periods[i].days == BC_RETAIN_INDEFINITE ?
		    json_string("indefinite") :
		    json_integer(p->periods[i].days);
		if (json_object_set_new(o, p->periods[i].category, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* The members of a policy document: nothing else may be there. */
static const char *const members[] = {
	"actor", "at", "grace_days", "key", "log", "periods", "prev",
	"reason", "seq", "type", "unlisted", "version", NULL
};

static int
str_member(const json_t *doc, const char *name, char *out, size_t outsz,
    struct bc_err *why)
{
	const char *s = json_string_value(json_object_get(doc, name));

	if (s == NULL || strlen(s) >= outsz)
		return bc_err_set(why, BC_ERR_INTEGRITY, "'%s' is missing or "
		    "too long", name);
	snprintf(out, outsz, "%s", s);
	return 0;
}

/* A parsed policy document into p: every member, of its type and range. */
static int
policy_from_doc(const json_t *doc, struct bc_policy *p, struct bc_err *why)
{
	const char *k, *u;
	json_t *v, *per;
	size_t i, j;

	memset(p, 0, sizeof(*p));
	json_object_foreach((json_t *)doc, k, v) {
		for (j = 0; members[j] != NULL && strcmp(members[j], k) != 0;
		    j++)
			;
		if (members[j] == NULL)
			return bc_err_set(why, BC_ERR_INTEGRITY, "unknown "
			    "member '%.32s'", k);
	}
	if (bc_doc_int(doc, "seq", &p->seq) != 0 || p->seq < 1 ||
	    bc_doc_int(doc, "grace_days", &p->grace_days) != 0 ||
	    str_member(doc, "prev", p->prev, sizeof(p->prev), why) != 0 ||
	    str_member(doc, "at", p->at, sizeof(p->at), why) != 0 ||
	    str_member(doc, "actor", p->actor, sizeof(p->actor), why) != 0 ||
	    str_member(doc, "reason", p->reason, sizeof(p->reason), why) != 0 ||
	    str_member(doc, "key", p->key, sizeof(p->key), why) != 0)
		return bc_err_set(why, BC_ERR_INTEGRITY, "a member is missing "
		    "or of the wrong type");
	if (!bc_time_is_stamp(p->at) || (p->prev[0] != '\0' &&
	    !bc_is_sha256_hex(p->prev)) || !bc_is_sha256_hex(p->key) ||
	    bc_field_check("actor", p->actor, BC_FIELD_MAX, NULL) != 0 ||
	    bc_text_check("reason", p->reason, NULL) != 0)
		return bc_err_set(why, BC_ERR_INTEGRITY, "a member is "
		    "malformed");
	u = json_string_value(json_object_get(doc, "unlisted"));
	if (u == NULL || (strcmp(u, "keep") != 0 && strcmp(u, "refuse") != 0))
		return bc_err_set(why, BC_ERR_INTEGRITY, "'unlisted' is "
		    "neither 'keep' nor 'refuse'");
	p->refuse_unlisted = strcmp(u, "refuse") == 0;
	per = json_object_get(doc, "periods");
	if (!json_is_object(per) || json_object_size(per) == 0 ||
	    json_object_size(per) > BC_POLICY_CATEGORIES_MAX)
		return bc_err_set(why, BC_ERR_INTEGRITY, "'periods' is not an "
		    "object of 1 to %d categories", BC_POLICY_CATEGORIES_MAX);
	if ((p->periods = calloc(json_object_size(per),
	    sizeof(*p->periods))) == NULL)
		return bc_err_set(why, BC_ERR_NOMEM, "out of memory");
	i = 0;
	json_object_foreach(per, k, v) {
		struct bc_policy_period *pp = &p->periods[i++];

		if (bc_field_check("category", k, BC_FIELD_MAX, NULL) != 0)
			return bc_err_set(why, BC_ERR_INTEGRITY, "a category "
			    "is malformed");
		snprintf(pp->category, sizeof(pp->category), "%s", k);
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), "indefinite") == 0)
			pp->days = BC_RETAIN_INDEFINITE;
		else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) <= BC_POLICY_DAYS_MAX)
			pp->days = json_integer_value(v);
		else
			return bc_err_set(why, BC_ERR_INTEGRITY, "the period "
			    "of '%s' is not 0 to %d days or 'indefinite'", k,
			    BC_POLICY_DAYS_MAX);
	}
	p->nperiods = i;
	if (periods_check(p, why) != 0)
		return BC_ERR_INTEGRITY;
	return 0;
}

struct load {
	const struct bc_keyring	*kr;
	struct bc_policy	*p;
	size_t			 n, cap;
	struct bc_err		*err;
};

/* One stored policy, checked as audit.c checks a release statement. */
static int
load_one(void *arg, const struct bc_record_row *row)
{
	struct load *l = arg;
	struct bc_err why = { 0 };
	struct bc_policy p;
	uint8_t h[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX];
	const struct bc_policy *before = l->n > 0 ? &l->p[l->n - 1] : NULL;
	json_t *doc = NULL;
	void *tmp;
	int r, nomem = 0;

	memset(&p, 0, sizeof(p));
	if (bc_sha256(row->body, row->body_len, h) != 0)
		return bc_err_set(l->err, BC_ERR_CRYPTO, "SHA-256 failed");
	bc_hex(h, sizeof(h), hex);
	if (strcmp(hex, row->hash) != 0)
		bc_err_set(&why, BC_ERR_INTEGRITY, "stored hash %.16s... but "
		    "the document hashes to %.16s...", row->hash, hex);
	else if (bc_doc_parse(row->body, row->body_len, BC_POLICY_DOC_TYPE,
	    &doc, &why) != 0)
		;	/* why says it */
	else if (bc_doc_log(doc) == NULL)
		bc_err_set(&why, BC_ERR_INTEGRITY, "it names no log");
	else if (bc_doc_log_check(doc, l->kr->origin, row->leaf,
	    l->kr->bound_from, &why) != 0)
		;
	else if ((r = policy_from_doc(doc, &p, &why)) != 0)
		nomem = r == BC_ERR_NOMEM;
	else if (p.seq != row->id || p.seq != (int64_t)l->n + 1)
		bc_err_set(&why, BC_ERR_INTEGRITY, "it is numbered %lld where "
		    "%lld is due (a policy was removed, or replayed)",
		    (long long)p.seq, (long long)l->n + 1);
	else if (strcmp(p.prev, before ? before->hash : "") != 0)
		bc_err_set(&why, BC_ERR_INTEGRITY, "it does not name the "
		    "policy before it");
	else if (before != NULL && strcmp(p.at, before->at) < 0)
		bc_err_set(&why, BC_ERR_INTEGRITY, "it is dated before the "
		    "policy before it");
	else if (strcmp(p.key, row->key) != 0)
		bc_err_set(&why, BC_ERR_INTEGRITY, "the row names key "
		    "%.16s..., the document another", row->key);
	else if (bc_keyring_check_sig(l->kr, p.key, BC_ROLE_ADMIN, row->leaf,
	    row->body, row->body_len, row->sig, row->siglen, &why) == 0)
		why.msg[0] = '\0';	/* it says what verified */
	else if (why.msg[0] == '\0')
		bc_err_set(&why, BC_ERR_INTEGRITY, "its signature does not "
		    "verify");
	json_decref(doc);
	if (why.msg[0] != '\0') {
		bc_policy_free(&p);
		return bc_err_set(l->err, nomem ? BC_ERR_NOMEM :
		    BC_ERR_INTEGRITY, "retention policy %lld: "
		    "%s", (long long)row->id, why.msg);
	}
	snprintf(p.hash, sizeof(p.hash), "%s", hex);
	p.leaf = row->leaf;
	if ((tmp = bc_grow(l->p, &l->cap, l->n + 1, sizeof(*l->p))) == NULL) {
		bc_policy_free(&p);
		return bc_err_set(l->err, BC_ERR_NOMEM, "out of memory");
	}
	l->p = tmp;
	l->p[l->n++] = p;
	return 0;
}

int
bc_policies_load(struct bc_catalog *cat, const struct bc_keyring *kr,
    struct bc_policy **out, size_t *n, struct bc_err *err)
{
	struct load l;
	int r;

	memset(&l, 0, sizeof(l));
	l.kr = kr;
	l.err = err;
	r = bc_catalog_policies(cat, load_one, &l, err);
	*out = l.p;
	*n = l.n;
	return r;
}

/* The newest policy of ps into out, moved (ps keeps an empty one). */
static void
take_last(struct bc_policy *ps, size_t n, struct bc_policy *out)
{
	*out = ps[n - 1];
	ps[n - 1].periods = NULL;
	ps[n - 1].nperiods = 0;
}

int
bc_policy_current(struct bc_catalog *cat, struct bc_policy *out,
    struct bc_err *err)
{
	struct bc_keyring *kr = NULL;
	struct bc_policy *ps = NULL;
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = bc_keyring_load(cat, &kr, err)) != 0 ||
	    (r = bc_policies_load(cat, kr, &ps, &n, err)) != 0)
		goto out;
	if (n == 0) {
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no retention policy has "
		    "been set (bodycam retention policy set)");
		goto out;
	}
	take_last(ps, n, out);
 out:
	bc_policies_free(ps, n);
	bc_keyring_free(kr);
	return r;
}

json_t *
bc_policy_json(const struct bc_policy *p)
{
	json_t *per;

	if ((per = periods_json(p)) == NULL)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, "
	    "s:I, s:s}", "seq", (json_int_t)p->seq, "hash", p->hash, "prev",
	    p->prev, "at", p->at, "actor", p->actor, "reason", p->reason,
	    "key", p->key, "leaf", (json_int_t)p->leaf, "periods", per,
	    "grace_days", (json_int_t)p->grace_days, "unlisted",
	    p->refuse_unlisted ? "refuse" : "keep");
}

int
bc_policy_set(struct bc_catalog *cat, const struct bc_key *key,
    struct bc_policy *in, struct bc_err *err)
{
	struct bc_keyring *kr = NULL;
	struct bc_policy *ps = NULL;
	struct bc_signed sd = { 0 };
	struct bc_record_row row;
	json_t *doc = NULL, *per = NULL;
	size_t n = 0;
	int r;

	if ((r = periods_check(in, err)) != 0)
		return r;
	if (bc_field_check("actor", in->actor, BC_FIELD_MAX, err) != 0 ||
	    bc_text_check("reason", in->reason, err) != 0)
		return BC_ERR_INVALID;
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	if ((r = bc_keyring_load(cat, &kr, err)) != 0 ||
	    (r = bc_signer_check(kr, key, BC_ROLE_ADMIN, "set a retention "
	    "policy", err)) != 0 ||
	    (r = bc_policies_load(cat, kr, &ps, &n, err)) != 0)
		goto out;
	if ((r = bc_clock_sign_time(cat, in->at, err)) != 0)
		goto out;
	in->seq = (int64_t)n + 1;
	snprintf(in->prev, sizeof(in->prev), "%s", n ? ps[n - 1].hash : "");
	snprintf(in->key, sizeof(in->key), "%s", bc_key_id(key));
	if ((per = periods_json(in)) == NULL ||
	    (doc = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:O, s:I, "
	    "s:s}", "type", BC_POLICY_DOC_TYPE, "seq", (json_int_t)in->seq,
	    "prev", in->prev, "at", in->at, "actor", in->actor, "reason",
	    in->reason, "key", in->key, "periods", per, "grace_days",
	    (json_int_t)in->grace_days, "unlisted", in->refuse_unlisted ?
	    "refuse" : "keep")) == NULL || bc_doc_set_log(doc,
	    kr->origin) != 0) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = bc_doc_seal(doc, key, &sd, err)) != 0)
		goto out;
	memset(&row, 0, sizeof(row));
	row.id = in->seq;
	snprintf(row.hash, sizeof(row.hash), "%s", sd.hash);
	row.body = sd.text;
	row.body_len = sd.len;
	row.sig = sd.sig;
	row.siglen = sizeof(sd.sig);
	snprintf(row.key, sizeof(row.key), "%s", in->key);
	if ((r = bc_catalog_add_policy(cat, &row, err)) != 0)
		goto out;
	snprintf(in->hash, sizeof(in->hash), "%s", sd.hash);
	in->leaf = row.leaf;
	r = bc_catalog_commit(cat, err);
 out:
	bc_catalog_rollback(cat);
	json_decref(per);
	json_decref(doc);
	bc_signed_clear(&sd);
	bc_policies_free(ps, n);
	bc_keyring_free(kr);
	return r;
}

int
bc_policy_admits(struct bc_catalog *cat, const char *category, int *warn,
    struct bc_err *err)
{
	struct bc_policy p;
	int r;

	*warn = 0;
	if (category == NULL || category[0] == '\0')
		return 0;
	if ((r = bc_policy_current(cat, &p, err)) != 0) {
		if (r != BC_ERR_NOT_FOUND)
			return r;
		bc_err_clear(err);
		return 0;
	}
	if (bc_policy_period(&p, category) == NULL) {
		*warn = 1;
		if (p.refuse_unlisted)
			r = bc_err_set(err, BC_ERR_INVALID, "category '%s' is "
			    "not in retention policy %lld, which refuses the "
			    "categories it does not name (see 'bodycam "
			    "retention policy list')", category,
			    (long long)p.seq);
		else
			bc_err_set(err, 0, "category '%s' is not in retention "
			    "policy %lld: such items are kept until a policy "
			    "names it", category, (long long)p.seq);
	}
	bc_policy_free(&p);
	return r;
}
