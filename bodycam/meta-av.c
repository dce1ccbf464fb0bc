/*
 * meta-av.c - what a video container says about itself, read with
 * libavformat: the container, its duration, streams and creation time,
 * and the camera's make, model, software, capture time and position.
 *
 * Footage arrives from outside, so the file is treated as hostile: read
 * from the caller's descriptor through our own I/O callbacks (no protocol
 * at all), a whitelist of demuxers, bounded probing and a wall-clock
 * deadline.  libav's own log never reaches the terminal unless
 * asked for; its error messages become warnings instead, since "moov atom
 * not found" is worth sealing with the hash.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mathematics.h>
#include <libavutil/rational.h>
#include <libavutil/time.h>

#include "bodycam/canon.h"
#include "bodycam/meta.h"
#include "bodycam/meta-util.h"
#include "bodycam/util.h"

/* The "mov" demuxer's name lists its family; avi; matroska,webm; mpegts. */
#define AV_FORMATS	"mov,mp4,m4a,3gp,3g2,mj2,avi,matroska,webm,mpegts"
#define AV_PROBESIZE	"5000000"		/* bytes */
#define AV_ANALYZE	"5000000"		/* microseconds */
#define AV_ANALYZE_US	INT64_C(5000000)
#define AV_MAX_STREAMS	"100"
#define AV_DEADLINE_US	INT64_C(10000000)	/* the whole file */
#define AV_LOG_KEPT	3			/* libav errors kept */
#define AV_EXIF_SCAN	65536	/* APP1 comes before the image data */
#define AV_IOBUFSZ	32768	/* bytes of one read through pb */

/*
 * The log callback is process-wide in libav, so it is installed once and
 * finds the current call's list of libav errors through thread-local
 * state; messages from threads libav starts itself are dropped.  The list
 * goes after the call's own warnings, which say what went wrong first.
 */
static pthread_once_t	 log_once = PTHREAD_ONCE_INIT;
static atomic_int	 log_verbose;
static _Thread_local json_t	*log_warnings;
static _Thread_local int	 log_kept;

static void
log_cb(void *avcl, int level, const char *fmt, va_list ap)
{
	char msg[BC_META_STRING_MAX];
	const AVClass *cls = avcl != NULL ? *(const AVClass **)avcl : NULL;
	const char *who = "libav", *v;
	va_list aq;
	size_t i;

	if (atomic_load(&log_verbose)) {
		va_copy(aq, ap);
		av_log_default_callback(avcl, level, fmt, aq);
		va_end(aq);
	}
	if (level > AV_LOG_ERROR || log_warnings == NULL ||
	    log_kept >= AV_LOG_KEPT)
		return;
	/* the context's name, never its address: warnings are sealed */
	if (cls != NULL && cls->item_name != NULL)
		who = cls->item_name(avcl);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (msg[0] == '\0')
		return;
	for (i = 0; i < json_array_size(log_warnings); i++) {
		v = json_string_value(json_array_get(log_warnings, i));
		if (v != NULL && strstr(v, msg) != NULL)
			return;		/* the same complaint again */
	}
	bc_meta_warn(log_warnings, "libav: [%s] %s", who, msg);
	log_kept++;
}

static void
log_init(void)
{
	av_log_set_callback(log_cb);
	/*
	 * No single allocation over 256 MiB: a hostile box can ask the mov
	 * demuxer for 1.5 GiB (found by fuzzing).  Process-wide, as the log
	 * hook; bodycam decodes nothing that needs more.
	 */
	av_max_alloc(256u * 1024 * 1024);
}

void
bc_meta_av_init(int verbose)
{
	pthread_once(&log_once, log_init);
	atomic_store(&log_verbose, verbose != 0);
}

/* AVIOInterruptCB: non-zero once the deadline has passed. */
static int
deadline_cb(void *arg)
{
	const int64_t *deadline = arg;

	return av_gettime_relative() > *deadline;
}

/*
 * A time as libavformat gives it ("2005-08-11T14:03:54.000000Z",
 * "2019-07-24T11:25:40+0300", the AVI "2009-10-27 12:14:34") as RFC 3339
 * in out: the fraction dropped, the offset kept as written ("Z",
 * "+03:00"), none when there was none (an AVI's local camera time).
 * Returns 0; 1 for the QuickTime and Unix epochs, which mean "not set";
 * -1 when s is not such a time.
 */
static int
norm_time(const char *s, char *out, size_t outsz)
{
	const char *p = s;
	char zone[8] = "";
	int y, mo, d, h, mi, sec = 0, oh, om, sign;

	if ((y = bc_digits(&p, 4)) < 0 || *p != '-')
		return -1;
	p++;
	if ((mo = bc_digits(&p, 2)) < 0 || *p != '-')
		return -1;
	p++;
	if ((d = bc_digits(&p, 2)) < 0 || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if ((h = bc_digits(&p, 2)) < 0 || *p != ':')
		return -1;
	p++;
	if ((mi = bc_digits(&p, 2)) < 0)
		return -1;
	if (*p == ':') {
		p++;
		if ((sec = bc_digits(&p, 2)) < 0)
			return -1;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
		strcpy(zone, "Z");
	} else if (*p == '+' || *p == '-') {
		sign = *p++;
		if ((oh = bc_digits(&p, 2)) < 0)
			return -1;
		if (*p == ':')
			p++;
		if ((om = bc_digits(&p, 2)) < 0 || oh > 23 || om > 59)
			return -1;
		snprintf(zone, sizeof(zone), "%c%02d:%02d", sign, oh, om);
	}
	while (*p == ' ')
		p++;
	if (*p != '\0' || y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > bc_days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -1;
	if ((y == 1904 && mo == 1 && d == 1) || (y == 1970 && mo == 1 &&
	    d == 1 && h == 0 && mi == 0 && sec == 0))
		return 1;
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h,
	    mi, sec, zone);
	return 0;
}

/* The value of key in d (case-insensitive, exact), or NULL if empty. */
static const char *
tag(AVDictionary *d, const char *key)
{
	AVDictionaryEntry *e = av_dict_get(d, key, NULL, 0);

	return e != NULL && e->value != NULL && e->value[0] != '\0' ?
	    e->value : NULL;
}

/* Sets obj[key] from the first of keys whose value survives cleaning. */
static int
set_tag(json_t *obj, const char *key, AVDictionary *d,
    const char *const *keys)
{
	const char *v;
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		if ((v = tag(d, keys[i])) == NULL)
			continue;
		bc_meta_set_str(obj, key, v, strlen(v));
		if (json_object_get(obj, key) != NULL)
			return 1;
	}
	return 0;
}

/* A time tag into obj[key], normalised; a warning when it is not one. */
static void
set_time(json_t *obj, const char *key, const char *v, const char *what,
    json_t *warnings)
{
	char buf[64];

	if (v == NULL)
		return;
	switch (norm_time(v, buf, sizeof(buf))) {
	case 0:
		bc_meta_set_str(obj, key, buf, strlen(buf));
		break;
	case 1:
		break;		/* epoch zero: never set by the camera */
	default:
		bc_meta_warn(warnings, "%s \"%.64s\" is not a date and time",
		    what, v);
		break;
	}
}

/*
 * An integer member; a value a signed document cannot carry exactly (over
 * 2^53 - 1 in magnitude, canon.h) is a warning, not a member.
 */
static void
set_int(json_t *obj, const char *key, long long v)
{
	if (v > BC_JSON_MAX_SAFE || v < -BC_JSON_MAX_SAFE)
		return;
	json_object_set_new(obj, key, json_integer(v));
}

static const char *
stream_type(enum AVMediaType t)
{
	switch (t) {
	case AVMEDIA_TYPE_VIDEO:
		return "video";
	case AVMEDIA_TYPE_AUDIO:
		return "audio";
	case AVMEDIA_TYPE_DATA:
		return "data";
	case AVMEDIA_TYPE_SUBTITLE:
		return "subtitle";
	case AVMEDIA_TYPE_ATTACHMENT:
		return "attachment";
	default:
		return NULL;
	}
}

static int
is_picture(const AVStream *st)
{
	return (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
}

/* One entry of media.streams. */
static void
add_stream(json_t *streams, const AVStream *st)
{
	const AVCodecParameters *par = st->codecpar;
	const char *s;
	AVRational fr;
	json_t *o;
	char buf[32];
	int num, den;

	if ((o = json_object()) == NULL)
		return;
	set_int(o, "index", st->index);
	if ((s = stream_type(par->codec_type)) != NULL)
		bc_meta_set_str(o, "type", s, strlen(s));
	if (par->codec_id != AV_CODEC_ID_NONE &&
	    (s = avcodec_get_name(par->codec_id)) != NULL)
		bc_meta_set_str(o, "codec", s, strlen(s));
	if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
		if (par->width > 0 && par->height > 0) {
			set_int(o, "width", par->width);
			set_int(o, "height", par->height);
		}
		/* a cover picture's "rate" is only its time base */
		fr = st->avg_frame_rate;
		if (fr.num <= 0 || fr.den <= 0)
			fr = st->r_frame_rate;
		if (!is_picture(st) && fr.num > 0 && fr.den > 0) {
			av_reduce(&num, &den, fr.num, fr.den, INT_MAX);
			snprintf(buf, sizeof(buf), "%d/%d", num, den);
			bc_meta_set_str(o, "frame_rate", buf, strlen(buf));
		}
	}
	if (par->codec_type == AVMEDIA_TYPE_AUDIO && par->sample_rate > 0)
		set_int(o, "sample_rate", par->sample_rate);
	json_array_append_new(streams, o);
}

/* media: container, duration, size, creation time, streams. */
static void
read_media(AVFormatContext *fc, json_t *media, json_t *warnings)
{
	const AVStream *st;
	json_t *streams;
	unsigned i, n;
	int sized = 0;

	if (fc->iformat != NULL && fc->iformat->name != NULL)
		bc_meta_set_str(media, "container", fc->iformat->name,
		    strlen(fc->iformat->name));
	if (fc->duration != AV_NOPTS_VALUE && fc->duration >= 0) {
		long long ms = av_rescale_rnd(fc->duration, 1000,
		    AV_TIME_BASE, AV_ROUND_NEAR_INF);

		if (ms > BC_JSON_MAX_SAFE)
			bc_meta_warn(warnings, "container duration of %lld ms "
			    "is not believable: left out", ms);
		else
			set_int(media, "duration_ms", ms);
	}
	set_time(media, "created", tag(fc->metadata, "creation_time"),
	    "container creation time", warnings);

	for (i = 0; i < fc->nb_streams && !sized; i++) {
		st = fc->streams[i];
		if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
		    !is_picture(st) && st->codecpar->width > 0 &&
		    st->codecpar->height > 0) {
			set_int(media, "width", st->codecpar->width);
			set_int(media, "height", st->codecpar->height);
			sized = 1;
		}
	}
	if (fc->nb_streams == 0) {
		bc_meta_warn(warnings, "the container declares no streams");
		return;
	}
	n = fc->nb_streams;
	if (n > BC_META_STREAMS_MAX) {
		bc_meta_warn(warnings, "%u streams, only the first %d "
		    "described", n, BC_META_STREAMS_MAX);
		n = BC_META_STREAMS_MAX;
	}
	if ((streams = json_array()) == NULL)
		return;
	for (i = 0; i < n; i++)
		add_stream(streams, fc->streams[i]);
	json_object_set_new(media, "streams", streams);
}

static void
set_gps(json_t *capture, const char *loc, json_t *warnings)
{
	char lat[16], lon[16], alt[24];
	json_t *gps;

	if (bc_meta_iso6709(loc, lat, lon, alt) != 0) {
		bc_meta_warn(warnings, "location \"%.64s\" is not ISO 6709",
		    loc);
		return;
	}
	if ((gps = json_object()) == NULL)
		return;
	bc_meta_set_str(gps, "lat", lat, strlen(lat));
	bc_meta_set_str(gps, "lon", lon, strlen(lon));
	bc_meta_set_str(gps, "alt_m", alt, strlen(alt));
	json_object_set_new(capture, "gps", gps);
	if (strcmp(lat, "0.000000") == 0 && strcmp(lon, "0.000000") == 0)
		bc_meta_warn(warnings, "location is exactly 0,0: probably "
		    "written without a position fix");
}

/*
 * The EXIF block of a JPEG cover picture, found by its APP1 signature
 * and length (libexif does the parsing).  It describes the picture, not
 * the footage, so it only fills what the container left out.
 */
static void
read_picture_exif(const AVPacket *pkt, json_t *capture, json_t *warnings)
{
	const uint8_t *p = pkt->data;
	size_t n = (size_t)pkt->size, i, len;
	json_t *m, *c;

	if (p == NULL || n < 4 || p[0] != 0xff || p[1] != 0xd8)
		return;
	if (n > AV_EXIF_SCAN)
		n = AV_EXIF_SCAN;
	for (i = 2; i + 10 <= n; i++) {
		if (p[i] != 0xff || p[i + 1] != 0xe1 ||
		    memcmp(p + i + 4, "Exif\0\0", 6) != 0)
			continue;
		if ((len = (size_t)p[i + 2] << 8 | p[i + 3]) < 8)
			continue;
		len -= 2;
		if (len > (size_t)pkt->size - i - 4) {
			bc_meta_warn(warnings, "truncated: the cover "
			    "picture's EXIF block");
			len = (size_t)pkt->size - i - 4;
		}
		m = json_object();
		c = json_object();
		if (m != NULL && c != NULL) {
			bc_meta_exif_data(p + i + 4, len, m, c, warnings);
			json_object_update_missing(capture, c);
		}
		json_decref(m);
		json_decref(c);
		return;
	}
}

/* capture: make, model, software, taken, gps. */
static void
read_capture(AVFormatContext *fc, json_t *capture, json_t *warnings)
{
	static const char *const make[] = { "make",
	    "com.apple.quicktime.make", NULL };
	static const char *const model[] = { "model",
	    "com.apple.quicktime.model", NULL };
	static const char *const software[] = {
	    "com.apple.quicktime.software", "software", "encoder", NULL };
	static const char *const location[] = { "location",
	    "com.apple.quicktime.location.ISO6709", NULL };
	const char *v;
	unsigned i;
	int found;

	/* a track's own tags only when the container has none */
	found = set_tag(capture, "make", fc->metadata, make);
	for (i = 0; i < fc->nb_streams && !found; i++)
		found = set_tag(capture, "make", fc->streams[i]->metadata,
		    make);
	found = set_tag(capture, "model", fc->metadata, model);
	for (i = 0; i < fc->nb_streams && !found; i++)
		found = set_tag(capture, "model", fc->streams[i]->metadata,
		    model);
	/* a track's "encoder" names the codec, not the camera software */
	set_tag(capture, "software", fc->metadata, software);
	set_time(capture, "taken", tag(fc->metadata,
	    "com.apple.quicktime.creationdate"), "capture time", warnings);
	for (i = 0; location[i] != NULL; i++) {
		if ((v = tag(fc->metadata, location[i])) != NULL) {
			set_gps(capture, v, warnings);
			break;
		}
	}
	for (i = 0; i < fc->nb_streams; i++)
		if (is_picture(fc->streams[i]))
			read_picture_exif(&fc->streams[i]->attached_pic,
			    capture, warnings);
}

/*
 * Media data the index places past the end of the file: a copy cut
 * short, although the header survived.
 */
static void
check_truncated(AVFormatContext *fc, json_t *warnings)
{
	const AVIndexEntry *e;
	int64_t size;
	unsigned i;
	int j, n;

	if (fc->pb == NULL || (size = avio_size(fc->pb)) <= 0)
		return;
	for (i = 0; i < fc->nb_streams; i++) {
		n = avformat_index_get_entries_count(fc->streams[i]);
		for (j = 0; j < n; j++) {
			if ((e = avformat_index_get_entry(fc->streams[i],
			    j)) == NULL || e->pos < 0)
				continue;
			if (e->pos >= size || e->size > size - e->pos) {
				bc_meta_warn(warnings, "truncated: stream %u's "
				    "media data runs past the end of the file "
				    "(%lld bytes)", i, (long long)size);
				return;
			}
		}
	}
}

static void
warn_open(json_t *warnings, int r)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(r, buf, sizeof(buf));
	if (r == AVERROR_EOF)
		bc_meta_warn(warnings, "truncated: the file ends inside the "
		    "container header");
	else if (r == AVERROR_INVALIDDATA)
		bc_meta_warn(warnings, "container not recognised or "
		    "malformed: %s", buf);
	else if (r == AVERROR(EINVAL))
		bc_meta_warn(warnings, "container not recognised: not one "
		    "that is read (MP4/MOV/3GP, AVI, Matroska/WebM, MPEG-TS)");
	else if (r == AVERROR_EXIT)
		bc_meta_warn(warnings, "gave up reading the container header "
		    "after %lld s", (long long)(AV_DEADLINE_US / 1000000));
	else
		bc_meta_warn(warnings, "container unreadable: %s", buf);
}

/*
 * The file, read through our own AVIOContext with pread on the caller's
 * descriptor: libavformat opens nothing by name, so what it describes is
 * the file the caller hashed, even if its path now names another.
 */
struct av_fd {
	int		 fd;
	int64_t		 pos;
	int64_t		 size;
	const int64_t	*deadline;
};

static int
av_fd_read(void *opaque, uint8_t *buf, int n)
{
	struct av_fd *f = opaque;
	ssize_t got;

	if (av_gettime_relative() > *f->deadline)
		return AVERROR_EXIT;
	do
		got = pread(f->fd, buf, (size_t)n, (off_t)f->pos);
	while (got == -1 && errno == EINTR);
	if (got < 0)
		return AVERROR(errno);
	if (got == 0)
		return AVERROR_EOF;
	f->pos += got;
	return (int)got;
}

static int64_t
av_fd_seek(void *opaque, int64_t off, int whence)
{
	struct av_fd *f = opaque;
	int64_t to;

	switch (whence & ~AVSEEK_FORCE) {
	case AVSEEK_SIZE:
		return f->size;
	case SEEK_SET:
		to = off;
		break;
	case SEEK_CUR:
		if (off > INT64_MAX - f->pos)
			return AVERROR(EINVAL);
		to = f->pos + off;
		break;
	case SEEK_END:
		if (off > INT64_MAX - f->size)
			return AVERROR(EINVAL);
		to = f->size + off;
		break;
	default:
		return AVERROR(EINVAL);
	}
	if (to < 0)
		return AVERROR(EINVAL);
	f->pos = to;
	return to;
}

void
bc_meta_av_file(const char *path, int verbose, json_t *media,
    json_t *capture, json_t *warnings)
{
	int fd;

	/* O_NONBLOCK: a FIFO or a device must not block the open */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		bc_meta_warn(warnings, "container not read: %s",
		    strerror(errno));
		return;
	}
	bc_meta_av_fd(fd, verbose, media, capture, warnings);
	close(fd);
}

void
bc_meta_av_fd(int fd, int verbose, json_t *media, json_t *capture,
    json_t *warnings)
{
	AVFormatContext *fc = NULL;
	AVIOContext *pb = NULL;
	AVDictionary *opts = NULL;
	json_t *avlog = NULL;
	struct stat sb;
	struct av_fd f;
	unsigned char *iobuf = NULL;
	char buf[AV_ERROR_MAX_STRING_SIZE];
	int64_t deadline;
	size_t i;
	int r;

	/* a FIFO or a device would block or never end */
	if (fstat(fd, &sb) == -1) {
		bc_meta_warn(warnings, "container not read: %s",
		    strerror(errno));
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		bc_meta_warn(warnings, "container not read: not a regular "
		    "file");
		return;
	}
	pthread_once(&log_once, log_init);
	/* last caller wins: good enough for one CLI run */
	atomic_store(&log_verbose, verbose != 0);
	log_warnings = avlog = json_array();
	log_kept = 0;

	deadline = av_gettime_relative() + AV_DEADLINE_US;
	f.fd = fd;
	f.pos = 0;
	f.size = (int64_t)sb.st_size;
	f.deadline = &deadline;
	/*
	 * No protocol at all: the demuxers only read through pb, and one
	 * that would open another file by name (a mov reference) is told no.
	 */
	if ((iobuf = av_malloc(AV_IOBUFSZ)) != NULL && (pb =
	    avio_alloc_context(iobuf, AV_IOBUFSZ, 0, &f, av_fd_read, NULL,
	    av_fd_seek)) != NULL)
		iobuf = NULL;		/* pb's now */
	if (pb == NULL || (fc = avformat_alloc_context()) == NULL ||
	    av_dict_set(&opts, "protocol_whitelist", "none", 0) < 0 ||
	    av_dict_set(&opts, "format_whitelist", AV_FORMATS, 0) < 0 ||
	    av_dict_set(&opts, "probesize", AV_PROBESIZE, 0) < 0 ||
	    av_dict_set(&opts, "analyzeduration", AV_ANALYZE, 0) < 0 ||
	    av_dict_set(&opts, "max_streams", AV_MAX_STREAMS, 0) < 0 ||
	    av_dict_set(&opts, "enable_drefs", "0", 0) < 0 ||
	    av_dict_set(&opts, "use_absolute_path", "0", 0) < 0) {
		bc_meta_warn(warnings, "out of memory: container not read");
		goto out;
	}
	fc->pb = pb;
	fc->flags |= AVFMT_FLAG_CUSTOM_IO;
	fc->interrupt_callback.callback = deadline_cb;
	fc->interrupt_callback.opaque = &deadline;

	/* frees fc on failure */
	if ((r = avformat_open_input(&fc, NULL, NULL, &opts)) < 0) {
		warn_open(warnings, r);
		goto out;
	}
	fc->max_analyze_duration = AV_ANALYZE_US;
	if ((r = avformat_find_stream_info(fc, NULL)) < 0) {
		av_strerror(r, buf, sizeof(buf));
		bc_meta_warn(warnings, "stream parameters incomplete: %s", buf);
	}
	if (av_gettime_relative() > deadline)
		bc_meta_warn(warnings, "gave up reading the streams after "
		    "%lld s", (long long)(AV_DEADLINE_US / 1000000));
	read_media(fc, media, warnings);
	read_capture(fc, capture, warnings);
	check_truncated(fc, warnings);
 out:
	log_warnings = NULL;
	for (i = 0; i < json_array_size(avlog); i++)
		bc_meta_warn(warnings, "%s", json_string_value(
		    json_array_get(avlog, i)));
	json_decref(avlog);
	avformat_close_input(&fc);	/* opened or only allocated */
	if (pb != NULL)
		av_freep(&pb->buffer);	/* custom I/O: ours to free */
	avio_context_free(&pb);
	av_free(iobuf);
	av_dict_free(&opts);
}
