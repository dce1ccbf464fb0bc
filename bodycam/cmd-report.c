/*
 * cmd-report.c - bodycam report: the chain of custody of items for a court
 * file, as one self-contained printable HTML page (the timeline drawn as
 * inline SVG) or as CSV with one row per custody event.  Every item is
 * verified again, file included, when the report is made, and the report
 * says what that found.  It gives each item's current case, category,
 * tags, title and description (the annotations applied) and the history
 * of those annotations; with --tz, local times beside the UTC ones.
 *
 * Everything the catalog holds is treated as hostile text: in HTML it is
 * escaped, and bytes that are not valid UTF-8 or are control characters
 * are replaced; in CSV the custody log's quoting and formula guard apply.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bodycam/buf.h"
#include "bodycam/report.h"
#include "cli.h"

#define FMT_HTML	1
#define FMT_CSV		2

#define LABEL_MAX	16	/* bytes of an action in a timeline label */
#define LOCAL_MAX	64	/* "2026-01-01 05:00:00 EST, UTC-05:00" */
#define ZONEINFO	"/usr/share/zoneinfo/"


/* Sets b to the printf output (its error, if any, stays). */
static void bset(struct bc_buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
bset(struct bc_buf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->err == 0)
		bc_buf_truncate(b, 0);
	va_start(ap, fmt);
	bc_buf_vprintf(b, fmt, ap);
	va_end(ap);
}


static const char *
dstr(const json_t *doc, const char *path)
{
	const char *s = doc != NULL ? bc_doc_str(doc, path) : NULL;

	return s != NULL ? s : "";
}

/*
 * Whether zone names a zone of the system's time-zone database ("UTC"
 * always does).  glibc takes an unknown TZ for UTC without a word, so the
 * zone's file must be there and be a TZif file; a name is letters,
 * digits and "/_+-" only, so neither ".." nor an absolute path.
 */
static int
zone_known(const char *zone)
{
	char path[sizeof(ZONEINFO) + 256], magic[4];
	struct stat st;
	const char *p;
	FILE *fp;
	int ok;

	if (strcmp(zone, "UTC") == 0)
		return 1;
	if (zone[0] == '\0' || zone[0] == '/' || strlen(zone) > 255)
		return 0;
	for (p = zone; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	snprintf(path, sizeof(path), ZONEINFO "%s", zone);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (fp = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, sizeof(magic), fp) == sizeof(magic) &&
	    memcmp(magic, "TZif", sizeof(magic)) == 0;
	fclose(fp);
	return ok;
}

/*
 * s, a time in UTC (a signed time stamp, or RFC 3339 with a zone), as the
 * local time of the zone TZ names (cmd_report sets it from --tz):
 * "2026-01-01 05:00:00 EST, UTC-05:00".  "" for anything else.
 */
static void
local_time(const char *s, char out[LOCAL_MAX])
{
	char cut[BC_TIME_MAX];
	struct tm tm;
	time_t t;
	size_t len;
	long off;

	out[0] = '\0';
	len = strlen(s);
	if (bc_time_is_stamp(s))
		snprintf(cut, sizeof(cut), "%.19sZ", s);
	else if (len >= 20 && len < sizeof(cut) &&
	    strchr("Z+-", s[19]) != NULL)
		snprintf(cut, sizeof(cut), "%s", s);
	else
		return;
	if (bc_time_parse(cut, 0, &t) != 0 || localtime_r(&t, &tm) == NULL ||
	    (len = strftime(out, LOCAL_MAX, "%Y-%m-%d %H:%M:%S %Z",
	    &tm)) == 0) {
		out[0] = '\0';
		return;
	}
	off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
	snprintf(out + len, LOCAL_MAX - len, ", UTC%c%02ld:%02ld",
	    tm.tm_gmtoff < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
}

/* Appends "; local TIME" to b when tz is set and s is a UTC time. */
static void
add_local(struct bc_buf *b, const char *s, const char *tz)
{
	char loc[LOCAL_MAX];

	if (tz == NULL)
		return;
	local_time(s, loc);
	if (loc[0] != '\0')
		bc_buf_printf(b, "; local %s", loc);
}

/* The tags of v, ", " between them. */
static void
tags_text(struct bc_buf *b, const struct bc_view *v)
{
	size_t i;

	bc_buf_truncate(b, 0);
	for (i = 0; i < v->ntags; i++)
		bc_buf_printf(b, "%s%s", i > 0 ? ", " : "", v->tags[i]);
}

/* A value of an annotation's "set": a string, or tags ", " between. */
static void
set_value(struct bc_buf *b, const json_t *v)
{
	const json_t *t;
	size_t i;

	if (!json_is_array(v)) {
		bc_buf_addstr(b, json_is_string(v) ? json_string_value(v) :
		    "?");
		return;
	}
	json_array_foreach(v, i, t)
		bc_buf_printf(b, "%s%s", i > 0 ? ", " : "",
		    json_is_string(t) ? json_string_value(t) : "?");
}

/*
 * An annotation's changes (its details, or its history entry): "set F=V;
 * clear F".
 */
static void
changes_text(struct bc_buf *b, const json_t *d)
{
	const json_t *v;
	const char *k;
	size_t i, n = 0;

	json_object_foreach((json_t *)json_object_get(d, "set"), k, v) {
		bc_buf_printf(b, "%sset %s=", n++ > 0 ? "; " : "", k);
		set_value(b, v);
	}
	json_array_foreach(json_object_get(d, "clear"), i, v)
		bc_buf_printf(b, "%sclear %s", n++ > 0 ? "; " : "",
		    json_is_string(v) ? json_string_value(v) : "?");
}

/* The annotation whose seq is seq in ri's history, or NULL. */
static const json_t *
annotation_at(const struct bc_report_item *ri, int64_t seq)
{
	const json_t *h;
	size_t i;

	json_array_foreach(ri->history, i, h)
		if (json_integer_value(json_object_get(h, "seq")) == seq)
			return h;
	return NULL;
}





/*
 * HTML
 */

/*
 * Whether code point c may not appear as text in the report: what HTML
 * forbids, and the bidi controls that would reorder what a court reads
 * (bc_text_unsafe).
 */
static int
html_bad_char(uint32_t c)
{
	return (bc_text_unsafe(c) && c != '\t' && c != '\n') ||
	    (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/*
 * Writes s as HTML text (also fit for a quoted attribute value), at most
 * max bytes of it (0: all).  & < > " ' are escaped; invalid UTF-8 and
 * characters HTML forbids become U+FFFD.
 */
static void
html_put(FILE *fp, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;
	uint32_t c;
	int cut = 0;

	if (max > 0 && len > max) {
		len = max;
		while (len > 0 && (p[len] & 0xc0) == 0x80)
			len--;		/* not inside a sequence */
		cut = 1;
	}
	while (len > 0) {
		switch (*p) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			if ((n = bc_utf8_decode(p, len, &c)) == 0) {
				fputs("\xef\xbf\xbd", fp);
				n = 1;
			} else if (html_bad_char(c)) {
				fputs("\xef\xbf\xbd", fp);
			} else {
				fwrite(p, 1, n, fp);
			}
			p += n;
			len -= n;
			continue;
		}
		p++;
		len--;
	}
	if (cut)
		fputs("\xe2\x80\xa6", fp);	/* ... */
}

/* A row of a key-value table; an empty value is "not recorded". */
static void
html_kv(FILE *fp, const char *label, const char *value, const char *cls)
{
	fprintf(fp, "<tr><th>%s</th>", label);
	if (value == NULL || value[0] == '\0') {
		fputs("<td class=\"nr\">not recorded</td></tr>\n", fp);
		return;
	}
	fprintf(fp, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "",
	    cls ? "\"" : "");
	html_put(fp, value, 0);
	fputs("</td></tr>\n", fp);
}

/* The signer of a record: "name (role), key 0123...". */
static void
html_signer(FILE *fp, const struct bc_keyring_entry *ke, const char *id,
    const char *tz)
{
	char loc[LOCAL_MAX];

	if (ke == NULL) {
		fputs("unknown key", fp);
	} else {
		html_put(fp, ke->name, 0);
		fprintf(fp, ", %s", bc_role_name(ke->role));
	}
	fputs("<br><span class=\"mono\">", fp);
	html_put(fp, id, 16);
	fputs("</span>", fp);
	if (ke != NULL && ke->revoked[0] != '\0') {
		fputs("<br>revoked ", fp);
		html_put(fp, ke->revoked, 0);
		if (tz != NULL) {
			local_time(ke->revoked, loc);
			if (loc[0] != '\0') {
				fputs("; local ", fp);
				html_put(fp, loc, 0);
			}
		}
	}
}

static const char html_head[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\">\n"
"<head>\n"
"<meta charset=\"utf-8\">\n"
"<meta name=\"generator\" content=\"bodycam " BODYCAM_VERSION "\">\n"
"<title>Chain-of-custody report</title>\n"
"<style>\n"
"@page { size: A4; margin: 15mm; }\n"
"body { font: 10pt/1.35 \"DejaVu Sans\", Arial, sans-serif; color: #000;"
" background: #fff; margin: 1.5em auto; max-width: 64em; }\n"
"h1 { font-size: 16pt; margin: 0 0 .4em; }\n"
"h2 { font-size: 13pt; margin: 1.2em 0 .4em; border-bottom: 2px solid"
" #000; }\n"
"h3 { font-size: 11pt; margin: 1em 0 .3em; }\n"
"table { border-collapse: collapse; width: 100%; margin: .3em 0; }\n"
"th, td { border: 1px solid #777; padding: 2px 4px; text-align: left;"
" vertical-align: top; }\n"
"th { background: #eee; }\n"
"table.kv th { width: 11em; }\n"
"table.events { font-size: 8.5pt; }\n"
".mono { font-family: \"DejaVu Sans Mono\", monospace;"
" word-break: break-all; }\n"
"table.events td.mono { font-size: 7pt; width: 12em; }\n"
".nr { color: #555; font-style: italic; }\n"
".result { border: 2px solid #000; padding: .3em .5em;"
" font-weight: bold; }\n"
".result.ok { border-color: #1a6b1a; }\n"
".result.failed { border: 4px double #b00000; color: #b00000;"
" background: #fff0f0; }\n"
".no { font-weight: bold; color: #b00000; }\n"
".annotated .ann, .local { font-size: 85%; color: #333; }\n"
".ann { font-style: italic; }\n"
"svg { display: block; max-width: 100%; height: auto; margin: .3em 0; }\n"
"svg text { font: 10px \"DejaVu Sans\", Arial, sans-serif; fill: #000; }\n"
"svg .axis { stroke: #000; stroke-width: 1.5; }\n"
"svg .lead { stroke: #888; stroke-width: .7; }\n"
"svg .ok { fill: #000; }\n"
"svg .bad { fill: #fff; stroke: #b00000; stroke-width: 2; }\n"
"@media print {\n"
"  body { margin: 0; max-width: none; }\n"
"  section.item { break-before: page; }\n"
"  tr, svg, .result { break-inside: avoid; }\n"
"}\n"
"</style>\n"
"</head>\n"
"<body>\n";

static const char html_foot[] =
"<footer>\n"
"<h2>How to read this report</h2>\n"
"<p>Each item's manifest was sealed (SHA-256 of the file, metadata) and "
"signed with Ed25519 when it was registered; each custody event is signed "
"and names the hash of the event before it. <b>Verified</b> means that the "
"event's hash, its link to the event before it and its signature, by a key "
"that held the needed role at the event's time, all check out now. The "
"verification result covers the whole record: the manifest, every event, "
"the custody rules, the transparency log and, unless the item was purged, "
"the file itself. Anyone with the catalog can repeat it with "
"<code>bodycam verify ITEM</code>; a checkpoint kept outside the agency "
"shows whether the log was rewritten since.</p>\n"
"</footer>\n"
"</body>\n"
"</html>\n";

static void
html_header(FILE *fp, const struct bc_report *rp)
{
	struct bc_buf b = BC_BUF_INIT(4 * BC_TIME_MAX + LOCAL_MAX);
	char hex[BC_SHA256_HEX], root64[BC_SHA256_LEN * 2];
	size_t i, bad = 0;

	fputs("<header>\n<h1>Chain-of-custody report</h1>\n"
	    "<table class=\"kv\">\n<tr><th>Items</th><td>", fp);
	for (i = 0; i < rp->nitems; i++) {
		if (i > 0)
			fputs(", ", fp);
		html_put(fp, rp->items[i].it->id, 0);
		bad += !rp->items[i].ok;
	}
	fputs("</td></tr>\n<tr><th>Verification</th><td>", fp);
	if (bad == 0)
		fprintf(fp, "OK: %s verifies", rp->nitems == 1 ?
		    "the item" : "every item");
	else
		fprintf(fp, "<span class=\"no\">FAILED: %zu of %zu item%s "
		    "do%s not verify</span>", bad, rp->nitems,
		    rp->nitems == 1 ? "" : "s", bad == 1 ? "es" : "");
	fputs("</td></tr>\n", fp);
	bset(&b, "%s", rp->now);
	add_local(&b, rp->now, rp->tz);
	html_kv(fp, "Report time (UTC)", bc_buf_str(&b), NULL);
	if (rp->tz != NULL)
		html_kv(fp, "Local times", rp->tz, NULL);
	html_kv(fp, "Made on station", rp->station, NULL);
	html_kv(fp, "Made with", "bodycam " BODYCAM_VERSION, NULL);
	html_kv(fp, "Catalog", rp->catalog, "mono");
	html_kv(fp, "Log origin", rp->origin, "mono");
	fputs("</table>\n", fp);

	fputs("<h2>Transparency-log checkpoint</h2>\n", fp);
	if (rp->cp_status == BC_ERR_NOT_FOUND) {
		fprintf(fp, "<p>No checkpoint yet: each record was checked "
		    "against its own leaf of the log (%" PRIu64 " leaves) "
		    "only.</p>\n</header>\n", rp->log_size);
		bc_buf_free(&b);
		return;
	}
	fputs("<p>The newest checkpoint stored in the catalog, against which "
	    "the records were checked:</p>\n<table class=\"kv\">\n", fp);
	fprintf(fp, "<tr><th>Tree size</th><td>%" PRIu64 " leaves (the log "
	    "now has %" PRIu64 ")</td></tr>\n", rp->cp.size, rp->log_size);
	/* as the checkpoint's third line has it; hex labelled */
	EVP_EncodeBlock((unsigned char *)root64, rp->cp.root, BC_SHA256_LEN);
	html_kv(fp, "Root (base64, as in the checkpoint)", root64, "mono");
	bc_hex(rp->cp.root, BC_SHA256_LEN, hex);
	html_kv(fp, "Root (hex)", hex, "mono");
	fputs("<tr><th>Signed by</th><td>", fp);
	if (rp->cp_status == 0)
		html_signer(fp, bc_keyring_find(rp->kr, rp->sc.signer),
		    rp->sc.signer, rp->tz);
	else
		html_signer(fp, bc_keyring_find(rp->kr, rp->cp.key),
		    rp->cp.key, rp->tz);
	fputs("</td></tr>\n", fp);
	bset(&b, "%s", rp->cp.created);
	add_local(&b, rp->cp.created, rp->tz);
	html_kv(fp, "Stored at", bc_buf_str(&b), NULL);
	fputs("<tr><th>Signature</th><td>", fp);
	if (rp->cp_status == 0) {
		fputs("valid", fp);
	} else {
		fputs("<span class=\"no\">FAILED</span>: ", fp);
		html_put(fp, rp->cp_err.msg, 0);
	}
	fputs("</td></tr>\n<tr><th>Log consistency</th><td>", fp);
	if (rp->cp_status != 0)
		fputs("<span class=\"nr\">not checked</span>", fp);
	else if (rp->cp_root_ok)
		fputs("the log still gives this root", fp);
	else
		fputs("<span class=\"no\">FAILED</span>: the log no longer "
		    "gives this root: records were removed or rewritten", fp);
	fputs("</td></tr>\n</table>\n</header>\n", fp);
	bc_buf_free(&b);
}

/* The manifest summary: file, hash, camera, capture time, place. */
static void
html_manifest(FILE *fp, const struct bc_report_item *ri,
    const struct bc_keyring *kr, const char *tz)
{
	const json_t *m = ri->mdoc, *a, *v;
	struct bc_buf b = BC_BUF_INIT(64 * BC_FIELD_MAX);
	char num[32];
	const char *s;
	int64_t size;
	size_t i;

	fputs("<h3>Manifest (sealed at registration)</h3>\n", fp);
	if (m == NULL)
		fputs("<p class=\"no\">The stored manifest is unreadable; the "
		    "values below are the catalog's.</p>\n", fp);
	fputs("<table class=\"kv\">\n", fp);
	html_kv(fp, "File name", dstr(m, "file.name"), NULL);
	/* a name that is not UTF-8: its bytes, which the text above cannot
	 * show */
	if (dstr(m, "file.name_bytes")[0] != '\0')
		html_kv(fp, "File name bytes (hex)",
		    dstr(m, "file.name_bytes"), "mono");
	html_kv(fp, "Registered path", ri->it->path, "mono");
	if (m != NULL && bc_doc_int(m, "file.size", &size) == 0)
		snprintf(num, sizeof(num), "%lld bytes", (long long)size);
	else
		snprintf(num, sizeof(num), "%lld bytes",
		    (long long)ri->it->size);
	html_kv(fp, "Size", num, NULL);
	html_kv(fp, "SHA-256", m != NULL ? dstr(m, "file.sha256") :
	    ri->it->sha256, "mono");
	html_kv(fp, "Media type", dstr(m, "media.mime"), NULL);

	bset(&b, "%s%s%s", dstr(m, "capture.make"),
	    dstr(m, "capture.make")[0] && dstr(m, "capture.model")[0] ?
	    " " : "", dstr(m, "capture.model"));
	if (b.len > 0 && (s = dstr(m, "capture.serial"))[0] != '\0')
		bc_buf_printf(&b, ", serial %s", s);
	html_kv(fp, "Camera", bc_buf_str(&b), NULL);
	html_kv(fp, "Device", dstr(m, "capture.device"), NULL);
	html_kv(fp, "Officer", dstr(m, "capture.officer"), NULL);
	if ((s = dstr(m, "capture.taken"))[0] != '\0')
		bset(&b, "%s%s", s, strlen(s) > 19 &&
		    strchr("Z+-", s[19]) != NULL ? "" : " (the camera's "
		    "local time: it recorded no offset)");
	else if ((s = dstr(m, "media.created"))[0] != '\0')
		bset(&b, "%s (the container's creation "
		    "time)", s);
	else
		bc_buf_truncate(&b, 0);
	if (s[0] != '\0')
		add_local(&b, s, tz);
	html_kv(fp, "Capture time", bc_buf_str(&b), NULL);
	bc_buf_truncate(&b, 0);
	if (dstr(m, "capture.gps.lat")[0] && dstr(m, "capture.gps.lon")[0]) {
		bset(&b, "%s, %s (latitude, longitude)",
		    dstr(m, "capture.gps.lat"), dstr(m, "capture.gps.lon"));
		if ((s = dstr(m, "capture.gps.alt_m"))[0] != '\0')
			bc_buf_printf(&b, ", altitude %s m", s);
	}
	html_kv(fp, "Place (GPS)", bc_buf_str(&b), NULL);
	if (m != NULL && json_object_get(m, "derived") != NULL) {
		bset(&b, "%s, file SHA-256 %s; reason: %s",
		    dstr(m, "derived.from"), dstr(m, "derived.sha256"),
		    dstr(m, "derived.reason"));
		html_kv(fp, "Derived from", bc_buf_str(&b), NULL);
	}
	bset(&b, "%s%s%s", dstr(m, "registered.at"),
	    dstr(m, "registered.station")[0] ? " on station " : "",
	    dstr(m, "registered.station"));
	add_local(&b, dstr(m, "registered.at"), tz);
	html_kv(fp, "Registered", bc_buf_str(&b), NULL);
	fputs("<tr><th>Registration signed by</th><td>", fp);
	s = m != NULL ? dstr(m, "registered.key") : ri->it->key;
	html_signer(fp, bc_keyring_find(kr, s), s, tz);
	fputs("</td></tr>\n", fp);
	html_kv(fp, "Manifest SHA-256", ri->it->manifest_hash, "mono");
	if (m != NULL && json_array_size(a = json_object_get(m,
	    "warnings")) > 0) {
		fputs("<tr><th>Metadata warnings</th><td>", fp);
		json_array_foreach(a, i, v) {
			if (i > 0)
				fputs("<br>", fp);
			html_put(fp, json_is_string(v) ?
			    json_string_value(v) : "?", 0);
		}
		fputs("</td></tr>\n", fp);
	}
	if (ri->rep.state.purged) {
		bset(&b, "purged at %s by %s: %s",
		    ri->rep.state.purged_at, ri->rep.state.purged_by,
		    ri->rep.state.purge_reason);
		add_local(&b, ri->rep.state.purged_at, tz);
		html_kv(fp, "Media", bc_buf_str(&b), NULL);
	}
	html_kv(fp, "Custodian now", ri->rep.state.custodian, NULL);
	html_kv(fp, "Legal hold", ri->rep.state.held ? "yes" : "no", NULL);
	fputs("</table>\n", fp);
	bc_buf_free(&b);
}

/*
 * A field of the current view: its value, and when an annotation changed
 * it, a marker with the value sealed at registration.
 */
static void
html_field(FILE *fp, const char *label, const char *now, const char *sealed,
    int changed)
{
	fprintf(fp, "<tr><th>%s</th><td%s>", label, changed ?
	    " class=\"annotated\"" : "");
	if (now[0] != '\0')
		html_put(fp, now, 0);
	else
		fprintf(fp, "<span class=\"nr\">%s</span>", changed ?
		    "none (cleared)" : "not recorded");
	if (changed) {
		fputs(" <span class=\"ann\">[changed by annotation; sealed "
		    "at registration: ", fp);
		if (sealed[0] != '\0')
			html_put(fp, sealed, 0);
		else
			fputs("none", fp);
		fputs("]</span>", fp);
	}
	fputs("</td></tr>\n", fp);
}

/*
 * The item's case, category, tags, title and description now: the sealed
 * values with the annotations that count applied.
 */
static void
html_view(FILE *fp, const struct bc_report_item *ri)
{
	const struct bc_view *v = &ri->view;
	struct bc_view sealed;
	struct bc_buf now = BC_BUF_INIT(BC_TAGS_MAX * (BC_TAG_MAX + 2));
	struct bc_buf was = BC_BUF_INIT(BC_TAGS_MAX * (BC_TAG_MAX + 2));

	bc_view_current(ri->mdoc, NULL, &sealed);
	fputs("<h3>Case and classification (now)</h3>\n<table class=\"kv "
	    "view\">\n", fp);
	html_field(fp, "Case", v->case_no, sealed.case_no,
	    (v->changed & BC_VIEW_CASE) != 0);
	html_field(fp, "Category", v->category, sealed.category,
	    (v->changed & BC_VIEW_CATEGORY) != 0);
	if (v->ntags > 0 || (v->changed & BC_VIEW_TAGS)) {
		tags_text(&now, v);
		tags_text(&was, &sealed);
		html_field(fp, "Tags", bc_buf_str(&now), bc_buf_str(&was),
		    (v->changed & BC_VIEW_TAGS) != 0);
	}
	if (v->title[0] != '\0' || (v->changed & BC_VIEW_TITLE))
		html_field(fp, "Title", v->title, "",
		    (v->changed & BC_VIEW_TITLE) != 0);
	if (v->description[0] != '\0' || (v->changed & BC_VIEW_DESCRIPTION))
		html_field(fp, "Description", v->description, "",
		    (v->changed & BC_VIEW_DESCRIPTION) != 0);
	fputs("</table>\n", fp);
	bc_buf_free(&now);
	bc_buf_free(&was);
}

/* A UTC time, and with tz its local time below it. */
static void
html_time(FILE *fp, const char *s, const char *tz)
{
	char loc[LOCAL_MAX];

	html_put(fp, s, 0);
	if (tz == NULL)
		return;
	local_time(s, loc);
	if (loc[0] == '\0')
		return;
	fputs("<br><span class=\"local\">", fp);
	html_put(fp, loc, 0);
	fputs("</span>", fp);
}

/*
 * The annotation history: the annotations that count (signed by a key
 * that held the role, within the custody rules), who changed what, when
 * and why.
 */
static void
html_annotations(FILE *fp, const struct bc_report_item *ri, const char *tz)
{
	struct bc_buf b = BC_BUF_INIT(BC_DESCRIPTION_MAX + 64 * BC_TAG_MAX);
	const json_t *h, *set, *v;
	const char *k;
	size_t i, j, n = json_array_size(ri->history);

	fprintf(fp, "<h3>Annotation history (%zu)</h3>\n", n);
	if (n == 0) {
		fputs("<p>No annotations: the case, category and tags are as "
		    "sealed at registration.</p>\n", fp);
		return;
	}
	fputs("<table class=\"annotations\">\n<thead><tr><th>Seq</th>"
	    "<th>When (UTC)</th><th>Who</th><th>Set</th><th>Cleared</th>"
	    "<th>Why</th></tr></thead>\n<tbody>\n", fp);
	json_array_foreach(ri->history, i, h) {
		fprintf(fp, "<tr><td>%lld</td><td>", (long long)
		    json_integer_value(json_object_get(h, "seq")));
		html_time(fp, dstr(h, "at"), tz);
		fputs("</td><td>", fp);
		html_put(fp, dstr(h, "actor"), 0);
		fputs("</td><td>", fp);
		set = json_object_get(h, "set");
		j = 0;
		json_object_foreach((json_t *)set, k, v) {
			bc_buf_truncate(&b, 0);
			set_value(&b, v);
			fputs(j++ > 0 ? "<br>" : "", fp);
			html_put(fp, k, 0);
			fputs(": ", fp);
			html_put(fp, bc_buf_str(&b), 0);
		}
		fputs("</td><td>", fp);
		json_array_foreach(json_object_get(h, "clear"), j, v) {
			fputs(j > 0 ? ", " : "", fp);
			html_put(fp, json_is_string(v) ?
			    json_string_value(v) : "?", 0);
		}
		fputs("</td><td>", fp);
		html_put(fp, dstr(h, "reason"), 0);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
	bc_buf_free(&b);
}

/* An event's time as seconds, or -1 when it is not a signed time stamp. */
static double
stamp_seconds(const char *s)
{
	time_t t;

	if (!bc_time_is_stamp(s) || bc_time_parse(s, 0, &t) != 0)
		return -1;
	return (double)t + strtol(s + 20, NULL, 10) / 1e6;
}

/*
 * The timeline: a marker per event on a time axis, each joined by a leader
 * line to its label ("seq action") in evenly spaced slots above, so that
 * events close in time stay readable.  When the times coincide (or one is
 * unreadable) the markers are evenly spaced in order and the caption says
 * so.  Filled circle: verified; open square: not verified.
 */
static void
html_timeline(FILE *fp, const struct bc_report_item *ri)
{
	const double x0 = 40, ly = 100, ay = 130;
	double x1, w, h = 180, lx, mx, t, tmin = 0, tmax = 0;
	double *ts = NULL;
	size_t i, imin = 0, imax = 0;
	int scaled = 1, readable = 1;

	if (ri->n == 0) {
		fputs("<p class=\"no\">No custody events.</p>\n", fp);
		return;
	}
	w = ri->n * 24.0 + 200 > 760 ? ri->n * 24.0 + 200 : 760;
	x1 = w - 140;
	if ((ts = calloc(ri->n, sizeof(*ts))) == NULL)
		scaled = readable = 0;
	for (i = 0; scaled && i < ri->n; i++) {
		if ((t = stamp_seconds(dstr(ri->l[i].doc, "at"))) < 0) {
			scaled = readable = 0;
			break;
		}
		ts[i] = t;
		if (i == 0 || t < tmin) {
			tmin = t;
			imin = i;
		}
		if (i == 0 || t > tmax) {
			tmax = t;
			imax = i;
		}
	}
	if (tmax <= tmin)
		scaled = 0;

	fprintf(fp, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
	    "height=\"%.0f\" role=\"img\" aria-label=\"custody timeline of ",
	    w, h, w, h);
	html_put(fp, ri->it->id, 0);
	fputs("\">\n", fp);
	fprintf(fp, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", x0, ay, x1, ay);
	for (i = 0; i < ri->n; i++) {
		lx = ri->n == 1 ? (x0 + x1) / 2 :
		    x0 + (x1 - x0) * (double)i / (double)(ri->n - 1);
		mx = scaled ? x0 + (x1 - x0) * (ts[i] - tmin) /
		    (tmax - tmin) : lx;
		fprintf(fp, "<line class=\"lead\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n", lx, ly + 4, mx, ay);
		if (ri->l[i].verified)
			fprintf(fp, "<circle class=\"ok\" cx=\"%.1f\" "
			    "cy=\"%.1f\" r=\"5\"/>\n", mx, ay);
		else
			fprintf(fp, "<rect class=\"bad\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"10\" height=\"10\"/>\n", mx - 5, ay - 5);
		fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" "
		    "transform=\"rotate(-45 %.1f %.1f)\">%lld ", lx, ly, lx, ly,
		    (long long)ri->l[i].ev->seq);
		html_put(fp, ri->l[i].doc != NULL ?
		    dstr(ri->l[i].doc, "action") : "(unreadable)", LABEL_MAX);
		fputs("</text>\n", fp);
	}
	if (scaled) {
		fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">", x0, ay + 20);
		html_put(fp, dstr(ri->l[imin].doc, "at"), 0);
		fprintf(fp, "</text>\n<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", x1, ay + 20);
		html_put(fp, dstr(ri->l[imax].doc, "at"), 0);
		fprintf(fp, "</text>\n<text x=\"%.1f\" y=\"%.1f\">time axis "
		    "(UTC), earliest to latest event</text>\n", x0, ay + 36);
	} else {
		fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x0,
		    ay + 24, ri->n == 1 ? "one event" : readable ?
		    "events in order, evenly spaced: their times coincide" :
		    "events in order, evenly spaced: a time is unreadable");
	}
	fprintf(fp, "<circle class=\"ok\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\"/>\n"
	    "<text x=\"%.1f\" y=\"%.1f\">verified</text>\n"
	    "<rect class=\"bad\" x=\"%.1f\" y=\"%.1f\" width=\"10\" "
	    "height=\"10\"/>\n"
	    "<text x=\"%.1f\" y=\"%.1f\">not verified</text>\n",
	    x1 - 150, h - 14, x1 - 141, h - 10, x1 - 75, h - 19, x1 - 61,
	    h - 10);
	fputs("</svg>\n", fp);
	free(ts);
}

/* What happened, beyond the action: outcome, new item, failed checks. */
static void
html_what(FILE *fp, const json_t *doc)
{
	const json_t *a, *v;
	const char *s;
	size_t i;

	a = json_object_get(json_object_get(doc, "details"), "failed");
	fputs("<b>", fp);
	html_put(fp, doc != NULL ? dstr(doc, "action") : "(unreadable)", 0);
	fputs("</b>", fp);
	if ((s = dstr(doc, "details.outcome"))[0] != '\0' &&
	    strcmp(s, "done") != 0) {
		fputs("<br>", fp);
		html_put(fp, s, 0);
	}
	if ((s = dstr(doc, "details.child.id"))[0] != '\0') {
		fputs("<br>new item ", fp);
		html_put(fp, s, 0);
	}
	if (json_array_size(a) > 0) {
		fputs("<br>failed: ", fp);
		json_array_foreach(a, i, v) {
			if (i > 0)
				fputs(", ", fp);
			html_put(fp, json_is_string(v) ?
			    json_string_value(v) : "?", 0);
		}
	}
}

static void
html_events(FILE *fp, const struct bc_report_item *ri, const char *tz)
{
	const struct bc_report_event *l;
	const json_t *d;
	const char *s;
	size_t i;

	fputs("<table class=\"events\">\n<thead><tr><th>Seq</th>"
	    "<th>When (UTC)</th><th>What</th><th>Who</th><th>Where</th>"
	    "<th>Why</th><th>Signer</th><th>Verified</th>"
	    "<th>Event SHA-256</th></tr></thead>\n<tbody>\n", fp);
	for (i = 0; i < ri->n; i++) {
		l = &ri->l[i];
		d = l->doc;
		fprintf(fp, "<tr><td>%lld</td><td>", (long long)l->ev->seq);
		html_time(fp, dstr(d, "at"), tz);
		fputs("</td><td>", fp);
		html_what(fp, d);
		fputs("</td><td>", fp);
		html_put(fp, dstr(d, "actor"), 0);
		if ((s = dstr(d, "details.to"))[0] != '\0') {
			fputs("<br>to ", fp);
			html_put(fp, s, 0);
		}
		fputs("</td><td>", fp);
		html_put(fp, dstr(d, "details.location"), 0);
		if ((s = dstr(d, "details.station"))[0] != '\0') {
			fputs(dstr(d, "details.location")[0] ? "<br>" : "", fp);
			fputs("station ", fp);
			html_put(fp, s, 0);
		}
		fputs("</td><td>", fp);
		html_put(fp, dstr(d, "details.reason"), 0);
		if ((s = dstr(d, "details.note"))[0] != '\0') {
			fputs(dstr(d, "details.reason")[0] ? "<br>" : "", fp);
			fputs("note: ", fp);
			html_put(fp, s, 0);
		}
		fputs("</td><td>", fp);
		s = d != NULL ? dstr(d, "key") : l->ev->key;
		html_signer(fp, l->signer, s, tz);
		fprintf(fp, "</td><td%s>%s", l->verified ? "" :
		    " class=\"no\"", l->verified ? "yes" : "NO");
		if (l->failed.len > 0) {
			fputs("<br>failed: ", fp);
			html_put(fp, bc_buf_str(&l->failed), 0);
		}
		fputs("</td><td class=\"mono\">", fp);
		html_put(fp, l->ev->hash, 0);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

/* The record-wide checks, and the event checks that failed. */
static void
html_checks(FILE *fp, const struct bc_report_item *ri)
{
	const struct bc_check *c;
	size_t i;
	int failed_events = 0;

	fputs("<table class=\"checks\">\n<thead><tr><th>Check</th>"
	    "<th>Event</th><th>Result</th><th>Detail</th></tr></thead>\n"
	    "<tbody>\n", fp);
	for (i = 0; i < ri->rep.nchecks; i++) {
		c = &ri->rep.checks[i];
		if (c->seq >= 0 && c->ok)
			continue;
		failed_events += c->seq >= 0;
		fputs("<tr><td>", fp);
		html_put(fp, c->name, 0);
		if (c->seq >= 0)
			fprintf(fp, "</td><td>%lld", (long long)c->seq);
		else
			fputs("</td><td>", fp);
		fprintf(fp, "</td><td%s>%s</td><td>", c->ok ? "" :
		    " class=\"no\"", c->ok ? "ok" : "FAILED");
		html_put(fp, c->detail, 0);
		fputs("</td></tr>\n", fp);
	}
	if (failed_events == 0 && ri->n > 0)
		fprintf(fp, "<tr><td>events</td><td>all</td><td>ok</td><td>"
		    "%zu event%s: hash, link, signature, rules and log "
		    "inclusion</td></tr>\n", ri->n, ri->n == 1 ? "" : "s");
	fputs("</tbody>\n</table>\n", fp);
}

static void
html_item(FILE *fp, const struct bc_report_item *ri, const struct bc_report *rp)
{
	fputs("<section class=\"item\">\n<h2>", fp);
	html_put(fp, ri->it->id, 0);
	/* not by colour alone: a symbol, the word, a double border */
	fprintf(fp, "</h2>\n<p class=\"result %s\"><span class=\"mark\">"
	    "%s</span> Verification at the time of this report: ", ri->ok ?
	    "ok" : "failed", ri->ok ? "\xe2\x9c\x93" : "\xe2\x9c\x97");
	html_put(fp, bc_buf_str(&ri->result), 0);
	fputs("</p>\n", fp);
	html_manifest(fp, ri, rp->kr, rp->tz);
	html_view(fp, ri);
	html_annotations(fp, ri, rp->tz);
	fprintf(fp, "<h3>Custody timeline (%zu event%s)</h3>\n", ri->n,
	    ri->n == 1 ? "" : "s");
	html_timeline(fp, ri);
	html_events(fp, ri, rp->tz);
	fputs("<h3>Verification checks</h3>\n", fp);
	html_checks(fp, ri);
	fputs("</section>\n", fp);
}

static void
render_html(FILE *fp, const struct bc_report *rp)
{
	size_t i;

	fputs(html_head, fp);
	html_header(fp, rp);
	for (i = 0; i < rp->nitems; i++)
		html_item(fp, &rp->items[i], rp);
	fputs(html_foot, fp);
}

/*
 * CSV: a row per event of every item.  item_result repeats the item's
 * verification, which no event row could otherwise carry (a changed
 * file, a failed checkpoint).  The columns after it came later and
 * follow the first fourteen, which keep their places: at_local (with
 * --tz), changes (of an annotate event: "set F=V; clear F", or "not
 * applied: " and those when its signature or the rules fail), and the
 * item's case, category, tags, title and description now, repeated on
 * each of its rows as item_result is.
 */
static void
render_csv(FILE *fp, const struct bc_report *rp)
{
	static const char *const cols[] = { "item", "seq", "at", "action",
	    "actor", "to", "reason", "location", "signer_key", "signer_name",
	    "signer_role", "verified", "event_hash", "item_result",
	    "at_local", "changes", "case", "category", "tags", "title",
	    "description" };
	const size_t ncols = sizeof(cols) / sizeof(cols[0]);
	const struct bc_report_item *ri;
	const struct bc_report_event *l;
	struct bc_buf b = BC_BUF_INIT(BC_DESCRIPTION_MAX + 64 * BC_TAG_MAX +
	    256);
	struct bc_buf tags = BC_BUF_INIT(BC_TAGS_MAX * (BC_TAG_MAX + 2));
	const json_t *h, *d;
	char seq[32], loc[LOCAL_MAX];
	size_t i, j;

	for (j = 0; j < ncols; j++)
		bc_cli_csv_field(fp, cols[j], j + 1 == ncols);
	for (i = 0; i < rp->nitems; i++) {
		ri = &rp->items[i];
		tags_text(&tags, &ri->view);
		for (j = 0; j < ri->n; j++) {
			l = &ri->l[j];
			snprintf(seq, sizeof(seq), "%lld",
			    (long long)l->ev->seq);
			bc_cli_csv_field(fp, ri->it->id, 0);
			bc_cli_csv_field(fp, seq, 0);
			bc_cli_csv_field(fp, dstr(l->doc, "at"), 0);
			bc_cli_csv_field(fp, dstr(l->doc, "action"), 0);
			bc_cli_csv_field(fp, dstr(l->doc, "actor"), 0);
			bc_cli_csv_field(fp, dstr(l->doc, "details.to"), 0);
			bc_cli_csv_field(fp, dstr(l->doc, "details.reason"),
			    0);
			bc_cli_csv_field(fp, dstr(l->doc,
			    "details.location"), 0);
			bc_cli_csv_field(fp, l->doc != NULL ?
			    dstr(l->doc, "key") : l->ev->key, 0);
			bc_cli_csv_field(fp, l->signer != NULL ?
			    l->signer->name : "(unknown key)", 0);
			bc_cli_csv_field(fp, l->signer != NULL ?
			    bc_role_name(l->signer->role) : "", 0);
			bc_cli_csv_field(fp, l->verified ? "yes" : "no", 0);
			bc_cli_csv_field(fp, l->ev->hash, 0);
			bc_cli_csv_field(fp, bc_buf_str(&ri->result), 0);

			loc[0] = '\0';
			if (rp->tz != NULL)
				local_time(dstr(l->doc, "at"), loc);
			bc_cli_csv_field(fp, loc, 0);
			bc_buf_truncate(&b, 0);
			if (strcmp(dstr(l->doc, "action"), "annotate") == 0) {
				h = annotation_at(ri, l->ev->seq);
				d = h != NULL ? h : json_object_get(l->doc,
				    "details");
				if (h == NULL)
					bc_buf_addstr(&b, "not applied: ");
				changes_text(&b, d);
			}
			bc_cli_csv_field(fp, bc_buf_str(&b), 0);
			bc_cli_csv_field(fp, ri->view.case_no, 0);
			bc_cli_csv_field(fp, ri->view.category, 0);
			bc_cli_csv_field(fp, bc_buf_str(&tags), 0);
			bc_cli_csv_field(fp, ri->view.title, 0);
			bc_cli_csv_field(fp, ri->view.description, 1);
		}
	}
	bc_buf_free(&b);
	bc_buf_free(&tags);
}

/* A string of the view, null when it is "" (not set). */
static json_t *
view_str(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

/*
 * The --json report: the data of the CSV, each event once with the item
 * it belongs to, and the item's state and result beside its events.
 * NULL when out of memory.
 */
static json_t *
render_json(const struct bc_report *rp)
{
	const struct bc_report_item *ri;
	const struct bc_report_event *l;
	json_t *doc, *items, *events, *tags, *o, *cp;
	char loc[LOCAL_MAX], root64[BC_SHA256_LEN * 2];
	size_t i, j;

	if (rp->cp_status == 0) {
		EVP_EncodeBlock((unsigned char *)root64, rp->cp.root,
		    BC_SHA256_LEN);
		cp = json_pack("{s:I, s:s, s:o, s:s, s:s, s:b}", "size",
		    (json_int_t)rp->cp.size, "root", root64, "root_hex",
		    bc_cli_json_hex(rp->cp.root), "key", rp->cp.key,
		    "created", rp->cp.created, "ok", rp->cp_root_ok);
	} else
		cp = json_null();
	if ((items = json_array()) == NULL || (doc = json_pack("{s:s, s:s, "
	    "s:s, s:s?, s:I, s:o, s:O}", "generated", rp->now, "station",
	    rp->station, "origin", rp->origin, "tz", rp->tz, "log_size",
	    (json_int_t)rp->log_size, "checkpoint", cp, "items",
	    items)) == NULL) {
		json_decref(items);
		return NULL;
	}
	json_decref(items);
	for (i = 0; i < rp->nitems; i++) {
		ri = &rp->items[i];
		if ((events = json_array()) == NULL ||
		    (tags = json_array()) == NULL) {
			json_decref(events);
			goto oom;
		}
		for (j = 0; j < ri->view.ntags; j++)
			json_array_append_new(tags,
			    json_string(ri->view.tags[j]));
		o = json_pack("{s:s, s:b, s:s, s:{s:o, s:o, s:o, s:o, s:o}, "
		    "s:o, s:O?}", "id", ri->it->id, "ok", ri->ok, "result",
		    bc_buf_str(&ri->result), "current", "case",
		    view_str(ri->view.case_no), "category",
		    view_str(ri->view.category), "tags", tags, "title",
		    view_str(ri->view.title), "description",
		    view_str(ri->view.description), "events", events,
		    "annotations", ri->history);
		if (o == NULL || json_array_append_new(json_object_get(doc,
		    "items"), o) != 0)
			goto oom;
		for (j = 0; j < ri->n; j++) {
			l = &ri->l[j];
			loc[0] = '\0';
			if (rp->tz != NULL)
				local_time(dstr(l->doc, "at"), loc);
			o = json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s?, s:s?, "
			    "s:s?, s:s, s:s?, s:s?, s:b, s:s, s:s?, s:O?}",
			    "seq", (json_int_t)l->ev->seq, "at",
			    dstr(l->doc, "at"), "at_local", loc[0] ? loc :
			    NULL, "action", dstr(l->doc, "action"), "actor",
			    dstr(l->doc, "actor"), "to", l->doc ?
			    bc_doc_str(l->doc, "details.to") : NULL, "reason",
			    l->doc ? bc_doc_str(l->doc, "details.reason") :
			    NULL, "location", l->doc ? bc_doc_str(l->doc,
			    "details.location") : NULL, "signer_key",
			    l->doc != NULL ? dstr(l->doc, "key") : l->ev->key,
			    "signer_name", l->signer ? l->signer->name : NULL,
			    "signer_role", l->signer ?
			    bc_role_name(l->signer->role) : NULL, "verified",
			    l->verified, "hash", l->ev->hash, "failed",
			    l->failed.len > 0 ? bc_buf_str(&l->failed) :
			    NULL, "event", l->doc);
			if (o == NULL || json_array_append_new(events, o) != 0)
				goto oom;
		}
	}
	return doc;
 oom:
	json_decref(doc);
	return NULL;
}

static int
cmd_report(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_report rp;
	struct bc_err err = { 0 };
	struct bc_item *it;
	char (*ids)[BC_ITEM_ID_MAX] = NULL;
	const char *out = NULL, *format = NULL, *tz = NULL, *case_no = NULL;
	char *buf = NULL, **refs;
	size_t len = 0, i, j, nrefs;
	FILE *mem = NULL;
	int fmt = 0, r, st = 0, fd = -1, snap = 0, dup;
	const struct bc_cli_opt opts[] = {
		{ "format", &format, NULL },
		{ "out", &out, NULL },
		{ "tz", &tz, NULL },
		{ "case", &case_no, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&rp, 0, sizeof(rp));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (format != NULL && strcmp(format, "html") == 0)
		fmt = FMT_HTML;
	else if (format != NULL && strcmp(format, "csv") == 0)
		fmt = FMT_CSV;
	else if (format != NULL)
		return bc_cli_usage(ctx->cmd, "unknown format '%s' (html or "
		    "csv)", format);
	if (ctx->json && (fmt != 0 || out != NULL))
		return bc_cli_usage(ctx->cmd, "--json prints the report's "
		    "data on standard output: not with --format or --out");
	if (fmt == 0 && !ctx->json)
		return bc_cli_usage(ctx->cmd, "report needs --format html, "
		    "--format csv or --json");
	if (case_no != NULL && optind < argc)
		return bc_cli_usage(ctx->cmd, "give ITEMs or --case, not both");
	if (case_no != NULL && case_no[0] == '\0')
		return bc_cli_usage(ctx->cmd, "--case needs a case number");
	if (case_no == NULL && optind == argc)
		return bc_cli_usage(ctx->cmd, "no ITEM to report on");
	if (tz != NULL && !zone_known(tz))
		return bc_cli_usage(ctx->cmd, "unknown time zone '%s' (an "
		    "IANA name such as Europe/London, or UTC)", tz);
	/* the local times of the report: this process renders them only */
	if (tz != NULL) {
		if (setenv("TZ", tz, 1) != 0)
			return bc_cli_fail(BC_ERR_NOMEM, NULL);
		tzset();
	}
	rp.tz = tz;
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	/* one snapshot: items, events, keys and checkpoint agree */
	if ((r = bc_catalog_snapshot(ctx->cat, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	snap = 1;
	rp.catalog = bc_catalog_name(ctx->cat);
	refs = argv + optind;
	nrefs = (size_t)(argc - optind);
	if (case_no != NULL) {
		/* the items whose case is case_no now, by their chains */
		if ((r = bc_case_members(ctx->cat, case_no, &ids, &nrefs,
		    &err)) != 0) {
			if (r == BC_ERR_NOT_FOUND)
				bc_err_set(&err, r, "no item is in case %s",
				    bc_cli_q(case_no));
			st = bc_cli_fail(r, &err);
			goto out;
		}
	}
	if ((rp.items = calloc(nrefs, sizeof(*rp.items))) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	/* every item first: a report does not leave one out */
	for (i = 0; i < nrefs; i++) {
		if ((r = bc_catalog_find_item(ctx->cat, case_no != NULL ?
		    ids[i] : refs[i], &it, &err)) != 0) {
			st = bc_exit_worst(st, bc_cli_fail(r, &err));
			continue;
		}
		for (dup = 0, j = 0; j < rp.nitems && !dup; j++)
			dup = strcmp(rp.items[j].it->id, it->id) == 0;
		if (dup)
			bc_item_free(it);
		else
			rp.items[rp.nitems++].it = it;
	}
	if (st != 0)
		goto out;
	if (out != NULL && (r = bc_cli_create_new(out, &fd, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((r = bc_report_gather_log(ctx->cat, &rp, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	for (i = 0; i < rp.nitems; i++) {
		if ((r = bc_report_gather_item(ctx->cat, rp.kr, &rp.items[i],
		    &err)) != 0) {
			bc_cli_error("%s: %s", rp.items[i].it->id,
			    err.msg[0] ? err.msg : bc_strerror(r));
			st = bc_exit_status(r);
			goto out;
		}
	}
	bc_catalog_rollback(ctx->cat);
	snap = 0;
	bc_time_now(rp.now);
	bc_station_name(rp.station, sizeof(rp.station));
	if (ctx->json) {
		if ((ctx->out = render_json(&rp)) == NULL) {
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
			goto out;
		}
		goto verdict;
	}
	if ((mem = open_memstream(&buf, &len)) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	if (fmt == FMT_HTML)
		render_html(mem, &rp);
	else
		render_csv(mem, &rp);
	r = ferror(mem);
	if (fclose(mem) != 0 || r) {
		mem = NULL;
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	mem = NULL;
	if (fd != -1) {
		r = bc_cli_write_new(fd, out, buf, len, &err);
		fd = -1;
		if (r != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		if (!ctx->quiet)
			printf("report of %zu item%s written to %s\n",
			    rp.nitems, rp.nitems == 1 ? "" : "s",
			    bc_cli_q(out));
	} else {
		fwrite(buf, 1, len, stdout);
	}
	/* the report says it; so does the exit status, and stderr */
 verdict:
	for (i = 0; i < rp.nitems; i++) {
		if (rp.items[i].ok)
			continue;
		bc_cli_error("%s: %s", rp.items[i].it->id,
		    bc_buf_str(&rp.items[i].result));
		st = bc_exit_worst(st, bc_exit_status(rp.items[i].rep.status));
	}
 out:
	if (mem != NULL)
		fclose(mem);
	if (fd != -1) {
		close(fd);
		unlink(out);
	}
	if (snap)
		bc_catalog_rollback(ctx->cat);
	free(buf);
	free(ids);
	bc_report_clear(&rp);
	return st;
}

const struct bc_cmd bc_cmd_report = {
	.name = "report",
	.usage = "ITEM...|--case N --format html|csv [--tz ZONE] "
	    "[--out FILE] | --json",
	.summary = "A chain-of-custody report for a court file: per item the "
	    "manifest summary,\n      the case, category, tags, title and "
	    "description now and their\n      annotation history, every "
	    "custody event (who, what, when, where,\n      why, signer, "
	    "verified), the verification result now and the log\n      "
	    "checkpoint it was checked against.  "
	    "Exit 1 when an item does not verify; the report still says so.",
	.options =
	    "  --format html  one self-contained printable HTML page, the "
	    "timeline as SVG\n"
	    "  --format csv   one row per custody event of every item "
	    "(RFC 4180)\n"
	    "  --case N       every item whose case is N now (annotations "
	    "applied), in\n"
	    "                 registration order; instead of ITEMs\n"
	    "  --tz ZONE      local times in ZONE (Europe/London, UTC, ...) "
	    "beside UTC\n"
	    "  --out FILE     write to FILE, a new file, instead of stdout\n"
	    "  --json         instead of --format: the report's data as one "
	    "JSON document on\n"
	    "                 stdout (items, their events and state now, "
	    "the checkpoint)\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_report,
};
