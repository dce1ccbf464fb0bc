# bodycam - chain-of-custody catalog for body-worn-camera footage.
#
#   make                 build/libbodycam.a, build/bodycam and the metadata
#                        helper build/bodycam-parse (libexif, libavformat)
#   make deps            install the Debian packages the build and tests need
#   make test            deps (when missing), build, run every test
#   make demo            register, verify and tamper with real footage
#   make bench           hashing against openssl dgst, audit against
#                        openssl speed ed25519, probe against ffprobe and
#                        exiftool, retention due on 100,000 items with
#                        10 annotations each (target < 1 s),
#                        transparency-log appends and proofs, tiles of a
#                        1,000,000-leaf log and a monitor's catch-up,
#                        uploads over HTTP against a plain sink,
#                        custody events through the HTTP API (target
#                        1,000/s), the engines side by side (events/s
#                        on SQLite, PostgreSQL, PostgreSQL with two
#                        instances; audit of 1,000,000 events on each),
#                        and the 20 s load test
#   make openapi-tools   Redocly CLI (npm) for the OpenAPI test, in BUILD/tools
#   make load-test       the HTTP server under load, killed and restarted
#                        (LOAD_SECONDS a phase, default 5); on PostgreSQL
#                        and several instances of the server with
#                        LOAD_ENGINE=pg LOAD_INSTANCES=2
#   make install         the program, its helpers, the man page, and
#                        libbodycam.a, its headers and bodycam.pc
#                        (PREFIX=/usr/local DESTDIR= LIBDIR=PREFIX/lib);
#                        also the systemd unit in SYSTEMDUNITDIR, the
#                        example serve.conf in DOCDIR/examples (never
#                        anything in /etc), bash completion in
#                        BASHCOMPDIR
#   make uninstall       remove what make install installed
#   make package-deps    install the Debian packages that building the
#                        .deb needs (debhelper, dpkg-dev, lintian)
#   make package-test    package-deps, then build the Debian packages
#                        (debian/) from a scratch copy, lintian, install
#                        them, build and run a program against the
#                        installed library with pkg-config, and purge
#                        them (as root; tests/pkg/run.sh)
#   make SANITIZE=address,undefined test
#   make fuzz            libFuzzer targets (clang), each run FUZZ_SECONDS
#                        (FUZZERS="meta-fuzzer" runs only those named)
#   make clean

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/bodycam
MANDIR   ?= $(PREFIX)/share/man
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR   ?= $(PREFIX)/share/doc/bodycam
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CC       ?= cc
PKG_CONFIG ?= pkg-config
BUILD    := build

# Debian packages: the build, the tests (Go and its x/mod for the outside
# checker of the log's tiles, tests/go), the demo, the benchmark and the
# fuzzers (clang with its libFuzzer runtime).
DEB_PKGS := build-essential pkg-config libssl-dev libsqlite3-dev \
	libjansson-dev libexif-dev libavformat-dev libavcodec-dev \
	libavutil-dev check openssl sqlite3 python3 ffmpeg \
	libimage-exiftool-perl clang libclang-rt-dev libmicrohttpd-dev \
	libcurl4-openssl-dev curl libseccomp-dev libarchive-dev tzdata \
	python3-prometheus-client python3-jsonschema libsystemd-dev systemd \
	golang-go golang-golang-x-mod-dev libpq-dev postgresql postgresql-client
# What building and checking the Debian packages needs besides (make
# package-deps; make package-test installs them, make deps does not).
PKG_DEB_PKGS := debhelper dpkg-dev lintian

# The version: BODYCAM_VERSION in the umbrella header; debian/changelog
# repeats it (tests/pkg/run.sh checks that the two agree).
VERSION := $(shell sed -n \
	's/^\#define BODYCAM_VERSION[[:space:]]*"\(.*\)"$$/\1/p' \
	include/bodycam/bodycam.h)

# bodycam links BASE_PC only; the helper bodycam-parse alone links
# PARSE_PC, and bodycam-serve (what 'bodycam serve' runs) SERVE_PC.
BASE_PC  := openssl sqlite3 jansson
PARSE_PC := libexif libavformat libavcodec libavutil libseccomp
SERVE_PC := libmicrohttpd libarchive libsystemd
LIBS_PC  := $(BASE_PC) $(PARSE_PC) $(SERVE_PC)
# libpq: its header only; catalog-pg.c loads the library when a catalog
# on PostgreSQL is opened (dlopen), so that bodycam does not link it
PQ_PC    := libpq
TEST_PC  := check

WARN := -Wall -Wextra -Wformat-security -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wwrite-strings -Wpointer-arith \
	-Wshadow -Wno-unused-parameter
ifeq ($(CI),true)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS ?= -O2 -g
GEN := $(BUILD)/gen
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(CPPFLAGS) \
	-Iinclude -I$(GEN) \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -pthread \
	-DBC_LIBEXECDIR='"$(LIBEXECDIR)"'
ALL_LDFLAGS := $(LDFLAGS) -pthread
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -U_FORTIFY_SOURCE -DBC_SANITIZE
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# make test runs the CLI suites a second time with their catalogs on
# PostgreSQL (tests/pg/matrix.sh) unless TEST_PG=0; t-pg.sh runs always.
TEST_PG ?= 1
# make test runs the suites TEST_JOBS at a time (tests/run.sh); empty:
# one more than the machine has CPUs; 1: one after another.
TEST_JOBS ?=
# test, test-pg, demo, load-test and bench build what they run BUILD_JOBS
# compilers at a time (default: the CPUs), unless make was given -j (any
# -jN, -j1 too, or -j alone), which then holds.
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
SUBMAKE = $(MAKE) --no-print-directory \
	$(if $(filter -j%,$(MAKEFLAGS)),,-j$(BUILD_JOBS))

# pkg-config for every library; say clearly what is missing.
pc_check = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
ifeq ($(filter deps clean uninstall test test-pg demo bench fuzz load-test \
	package-deps package-test,$(MAKECMDGOALS)),)
ifneq ($(call pc_check,$(LIBS_PC) $(PQ_PC)),yes)
$(error missing libraries: $(LIBS_PC) $(PQ_PC) (via pkg-config); run 'make deps' as root)
endif
endif
PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) $(PQ_PC) 2>/dev/null)
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lm
BASE_LIBS = $(shell $(PKG_CONFIG) --libs $(BASE_PC) 2>/dev/null) -lm
HELPER_LIBS = $(shell $(PKG_CONFIG) --libs $(BASE_PC) $(PARSE_PC) \
	2>/dev/null) -lm
SERVE_LIBS = $(shell $(PKG_CONFIG) --libs $(BASE_PC) $(SERVE_PC) \
	2>/dev/null) -lm
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PC) 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PC) 2>/dev/null)

# The parsers of hostile media: only in the helper (and tests, fuzzer).
PARSE_SRCS := bodycam/meta-parse.c bodycam/meta-exif.c bodycam/meta-av.c
# The HTTP service: only in bodycam-serve.
SERVE_SRCS := bodycam/serve.c bodycam/serve-api.c bodycam/serve-bundle.c \
	bodycam/serve-upload.c bodycam/serve-metrics.c
LIB_SRCS := $(filter-out bodycam/main.c bodycam/cmd.c bodycam/cmd-%.c \
	bodycam/parse-main.c $(PARSE_SRCS) $(SERVE_SRCS), \
	$(wildcard bodycam/*.c))
CLI_SRCS := bodycam/main.c bodycam/cmd.c $(wildcard bodycam/cmd-*.c)
LIB_OBJS := $(LIB_SRCS:bodycam/%.c=$(BUILD)/obj/%.o)
PARSE_OBJS := $(PARSE_SRCS:bodycam/%.c=$(BUILD)/obj/%.o)
SERVE_OBJS := $(SERVE_SRCS:bodycam/%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:bodycam/%.c=$(BUILD)/obj/%.o)
SERVE_CLI_OBJS := $(filter-out $(BUILD)/obj/cmd-serve.o \
	$(BUILD)/obj/cmd-witness.o,$(CLI_OBJS)) \
	$(BUILD)/obj/cmd-serve-main.o $(BUILD)/obj/cmd-witness-main.o
PUB_HEADERS := $(wildcard include/bodycam/*.h)
HEADERS  := $(PUB_HEADERS) bodycam/cli.h bodycam/internal.h \
	bodycam/serve-int.h bodycam/catalog-int.h
CHECK_SRCS := $(wildcard tests/check_*.c)
CHECK_BINS := $(CHECK_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL  := tests/testutil.c

LIB := $(BUILD)/libbodycam.a
PARSE_LIB := $(BUILD)/libbodycam-parse.a
BIN := $(BUILD)/bodycam
HELPER := $(BUILD)/bodycam-parse
SERVE_LIB := $(BUILD)/libbodycam-serve.a
SERVE_BIN := $(BUILD)/bodycam-serve
MISBEHAVE := $(BUILD)/tests/bodycam-parse-misbehave
COMPLETION := $(BUILD)/bodycam.bash-completion
.PHONY: all deps test test-pg check-tests demo bench install uninstall clean fuzz \
	corpus-test load-test openapi-tools package-deps package-test
all: $(BIN) $(HELPER) $(SERVE_BIN) $(COMPLETION)

# Rebuild everything when the flags change (e.g. SANITIZE on or off).
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
		echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@
FORCE:

# Each object depends on the headers it includes (-MMD -MP; the .d files
# sit beside the objects), on its flags, and at first on nothing else.
$(BUILD)/obj/%.o: bodycam/%.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -MMD -MP -c -o $@ $<
-include $(wildcard $(BUILD)/obj/*.d)

# A text file as a C string: $(call text_h,NAME) makes $@ from $<.
define text_h
	@mkdir -p $(GEN)
	@{ echo '/* made from $< by the Makefile: do not edit */'; \
	echo 'static const char $(1)[] ='; \
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' \
		-e 's/??/?\\?/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; \
	echo '    "";'; } > $@.tmp && mv $@.tmp $@
endef

# docs/VERIFY.md, the text every release bundle carries after its header,
# for release.c; docs/openapi.json, what GET /v1/openapi.json answers.
$(GEN)/verify-md.h: docs/VERIFY.md
	$(call text_h,verify_md)
$(BUILD)/obj/release.o: $(GEN)/verify-md.h
$(GEN)/openapi-json.h: docs/openapi.json
	$(call text_h,openapi_json)
$(BUILD)/obj/serve-api.o: $(GEN)/openapi-json.h

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(PARSE_LIB): $(PARSE_OBJS)
	rm -f $@
	ar rcs $@ $^

$(SERVE_LIB): $(SERVE_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/cmd-serve-main.o: bodycam/cmd-serve.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -DBC_SERVE_MAIN -MMD -MP -c -o $@ $<

$(BUILD)/obj/cmd-witness-main.o: bodycam/cmd-witness.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -DBC_SERVE_MAIN -MMD -MP -c -o $@ $<

$(SERVE_BIN): $(SERVE_CLI_OBJS) $(SERVE_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(SERVE_CLI_OBJS) $(SERVE_LIB) $(LIB) \
		$(ALL_LDFLAGS) $(SERVE_LIBS)

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(ALL_LDFLAGS) \
		$(BASE_LIBS)

$(HELPER): $(BUILD)/obj/parse-main.o $(PARSE_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(BUILD)/obj/parse-main.o $(PARSE_LIB) \
		$(LIB) $(ALL_LDFLAGS) -Wl,--as-needed $(HELPER_LIBS)

# The helper with test hooks: $$BODYCAM_PARSE_MISBEHAVE makes it crash,
# hang, flood, lie or make a forbidden system call (tests/cli/t-privsep.sh).
$(MISBEHAVE): bodycam/parse-main.c $(PARSE_LIB) $(LIB) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -DBC_PARSE_TEST_HOOKS -o $@ $< \
		$(PARSE_LIB) $(LIB) $(ALL_LDFLAGS) -Wl,--as-needed $(HELPER_LIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_UTIL) tests/testutil.h $(LIB) \
		$(PARSE_LIB) $(SERVE_LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) $(CHECK_CFLAGS) -Itests -o $@ $< \
		$(TEST_UTIL) $(PARSE_LIB) $(SERVE_LIB) $(LIB) $(ALL_LDFLAGS) \
		$(PC_LIBS) \
		$(CHECK_LIBS)

$(BUILD)/tests/runstat: tests/bench/runstat.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

# The upload benchmark's reference: libmicrohttpd only, not libbodycam.
$(BUILD)/tests/sink: tests/bench/sink.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) \
		$(shell $(PKG_CONFIG) --cflags --libs libmicrohttpd 2>/dev/null)

$(BUILD)/tests/mkcatalog: tests/bench/mkcatalog.c $(LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) \
		$(PC_LIBS)

# the outside checker of the log's tiles, Go's own sumdb/tlog (GOPATH mode,
# offline, Debian's golang-golang-x-mod-dev); t-tiles builds its own copy
$(BUILD)/tests/tlogcheck: tests/go/tlogcheck/main.go
	@mkdir -p $(BUILD)/tests
	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		GOCACHE=$(abspath $(BUILD))/gocache \
		go build -o $(abspath $@) ./tests/go/tlogcheck

$(BUILD)/tests/tlog: tests/bench/tlog.c $(LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) \
		$(PC_LIBS)

# The load test's client: libcurl and pthreads, not libbodycam.
$(BUILD)/tests/load: tests/load/load.c $(BUILD)/.flags
	@$(PKG_CONFIG) --exists libcurl || { echo "missing library: libcurl" \
		"(via pkg-config); run 'make deps' as root" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) \
		$(shell $(PKG_CONFIG) --cflags --libs libcurl 2>/dev/null) -pthread

# Installs only what is missing; silent when everything is there.
deps:
	@$(call apt_install,$(DEB_PKGS))
	@# Node.js for the OpenAPI validator: Debian's, unless one is there
	@if ! command -v npm > /dev/null 2>&1; then \
		echo "installing: nodejs npm"; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			--no-install-recommends nodejs npm; \
	fi

package-deps:
	@$(call apt_install,$(PKG_DEB_PKGS))

# apt_install: the Debian packages of $(1) that are not installed
apt_install = missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
			grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi

# bash completion, made from the built program's --help (the command
# table, each command's sub-commands and options).
$(COMPLETION): $(BIN) dist/completion.sh
	sh dist/completion.sh $(BIN) > $@.tmp && mv $@.tmp $@

# Redocly's CLI, which lints docs/openapi.json in t-openapi.sh, from the
# npm registry into $(BUILD)/tools.
REDOCLY := $(BUILD)/tools/node_modules/.bin/redocly
openapi-tools: $(REDOCLY)
$(REDOCLY): tests/openapi/install-redocly.sh
	@sh tests/openapi/install-redocly.sh $(BUILD)/tools

test: deps
	@$(SUBMAKE) $(BIN) $(HELPER) $(SERVE_BIN) \
		$(MISBEHAVE) $(CHECK_BINS) $(REDOCLY) $(COMPLETION) \
		$(BUILD)/tests/mkcatalog
	@BODYCAM=$(BIN) BODYCAM_PARSE=$(HELPER) MISBEHAVE=$(MISBEHAVE) \
		BUILD=$(BUILD) TEST_JOBS=$(TEST_JOBS) sh tests/run.sh \
		$(CHECK_BINS)
	@if [ "$(TEST_PG)" = 1 ]; then \
		BODYCAM=$(BIN) BODYCAM_PARSE=$(HELPER) MISBEHAVE=$(MISBEHAVE) \
		BUILD=$(BUILD) TEST_JOBS=$(TEST_JOBS) sh tests/pg/matrix.sh; \
	else \
		echo "tests on PostgreSQL: not run (TEST_PG=$(TEST_PG))"; \
	fi

# The CLI suites on PostgreSQL alone (make test runs them after SQLite).
test-pg: deps
	@$(SUBMAKE) $(BIN) $(HELPER) $(SERVE_BIN) \
		$(MISBEHAVE) $(REDOCLY) $(COMPLETION) $(BUILD)/tests/mkcatalog
	@BODYCAM=$(BIN) BODYCAM_PARSE=$(HELPER) MISBEHAVE=$(MISBEHAVE) \
		BUILD=$(BUILD) TEST_JOBS=$(TEST_JOBS) sh tests/pg/matrix.sh

# The whole-corpus suite alone ($$BODYCAM_CORPUS, default ../shared/corpus).
corpus-test: $(BIN) $(HELPER) $(SERVE_BIN)
	@BODYCAM=$(BIN) sh tests/cli/corpus.sh

# 'bodycam serve' under load, then killed and restarted under load
# (tests/load/run.sh); LOAD_SECONDS a phase, default 5; LOAD_ENGINE
# (sqlite or pg: a PostgreSQL server of its own) and LOAD_INSTANCES
# (servers on one catalog), e.g.
#   make load-test LOAD_ENGINE=pg LOAD_INSTANCES=2
LOAD_ENGINE ?= sqlite
LOAD_INSTANCES ?= 1
load-test: deps
	@$(SUBMAKE) $(BIN) $(HELPER) $(SERVE_BIN) \
		$(BUILD)/tests/load
	@BODYCAM=$(BIN) LOAD=$(BUILD)/tests/load \
		LOAD_ENGINE=$(LOAD_ENGINE) LOAD_INSTANCES=$(LOAD_INSTANCES) \
		LOAD_SECONDS=$${LOAD_SECONDS:-5} sh tests/load/run.sh

demo: deps
	@$(SUBMAKE) $(BIN) $(HELPER) $(SERVE_BIN)
	@BODYCAM=$(BIN) sh tests/demo.sh

bench: deps
	@$(SUBMAKE) -s $(BIN) $(HELPER) $(SERVE_BIN) \
		$(BUILD)/tests/runstat $(BUILD)/tests/sink \
		$(BUILD)/tests/mkcatalog $(BUILD)/tests/tlog $(BUILD)/tests/load \
		$(BUILD)/tests/tlogcheck
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat sh tests/bench/hash.sh
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat \
		MKCATALOG=$(BUILD)/tests/mkcatalog sh tests/bench/audit.sh
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat sh tests/bench/probe.sh
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat \
		MKCATALOG=$(BUILD)/tests/mkcatalog sh tests/bench/startup.sh
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat \
		MKCATALOG=$(BUILD)/tests/mkcatalog sh tests/bench/retention.sh
	@TLOG=$(BUILD)/tests/tlog sh tests/bench/tlog.sh
	@BODYCAM=$(BIN) MKCATALOG=$(BUILD)/tests/mkcatalog \
		RUNSTAT=$(BUILD)/tests/runstat \
		TLOGCHECK=$(BUILD)/tests/tlogcheck sh tests/bench/tiles.sh
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat sh tests/bench/ingest.sh
	@BODYCAM=$(BIN) SINK=$(BUILD)/tests/sink sh tests/bench/upload.sh
	@BODYCAM=$(BIN) LOAD=$(BUILD)/tests/load sh tests/bench/serve.sh
	@BODYCAM=$(BIN) LOAD=$(BUILD)/tests/load \
		RUNSTAT=$(BUILD)/tests/runstat \
		MKCATALOG=$(BUILD)/tests/mkcatalog sh tests/bench/engines.sh
	@BODYCAM=$(BIN) LOAD=$(BUILD)/tests/load LOAD_SECONDS=20 \
		sh tests/load/run.sh

# libbodycam is installed static only: no stable ABI is promised yet
# (0.x; the public structs may change in any release), so no program
# should be bound to a soname.  The helpers' libraries
# (libbodycam-parse.a, libbodycam-serve.a) are internal and not
# installed.  bodycam.pc is made from bodycam.pc.in with the paths of
# this install.
install: $(BIN) $(HELPER) $(SERVE_BIN) $(COMPLETION) $(LIB)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/bodycam $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/bodycam
	install -m 0755 $(HELPER) $(DESTDIR)$(LIBEXECDIR)/bodycam-parse
	install -m 0755 $(SERVE_BIN) $(DESTDIR)$(LIBEXECDIR)/bodycam-serve
	install -m 0644 bodycam.1 $(DESTDIR)$(MANDIR)/man1/bodycam.1
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/libbodycam.a
	install -m 0644 $(PUB_HEADERS) $(DESTDIR)$(INCLUDEDIR)/bodycam/
	@test -n '$(VERSION)' || { echo "make install: no BODYCAM_VERSION" \
		"in include/bodycam/bodycam.h" >&2; exit 1; }
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
		-e 's|@VERSION@|$(VERSION)|g' bodycam.pc.in > $(BUILD)/bodycam.pc
	install -m 0644 $(BUILD)/bodycam.pc $(DESTDIR)$(PKGCONFIGDIR)/bodycam.pc
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR)/examples
	sed 's|^ExecStart=/usr/bin/bodycam |ExecStart=$(BINDIR)/bodycam |' \
		dist/bodycam.service > $(BUILD)/bodycam.service
	install -m 0644 $(BUILD)/bodycam.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/bodycam.service
	install -m 0644 dist/serve.conf $(DESTDIR)$(DOCDIR)/examples/serve.conf
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/bodycam

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bodycam $(DESTDIR)$(MANDIR)/man1/bodycam.1 \
		$(DESTDIR)$(LIBEXECDIR)/bodycam-parse \
		$(DESTDIR)$(LIBEXECDIR)/bodycam-serve \
		$(DESTDIR)$(LIBDIR)/libbodycam.a \
		$(PUB_HEADERS:include/%=$(DESTDIR)$(INCLUDEDIR)/%) \
		$(DESTDIR)$(PKGCONFIGDIR)/bodycam.pc \
		$(DESTDIR)$(SYSTEMDUNITDIR)/bodycam.service \
		$(DESTDIR)$(DOCDIR)/examples/serve.conf \
		$(DESTDIR)$(BASHCOMPDIR)/bodycam
	rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(INCLUDEDIR)/bodycam \
		2>/dev/null || true

# The Debian packages, built, checked, installed and used (as root; CI).
package-test: package-deps
	@sh tests/pkg/run.sh

# libFuzzer targets: tests/fuzz/fuzz_*.c and meta-fuzzer.c.  Each runs its
# regression inputs, then fuzzes for FUZZ_SECONDS from a scratch copy of
# its seeds in $(BUILD)/fuzz (the repository is not written); a crash, a
# sanitizer report, a leak, a hang over 10 s or a single allocation over
# 2 GiB fails 'make fuzz', and the input is left in
# $(BUILD)/fuzz/artifacts-NAME/.  The RSS limit is 4 GiB, not libFuzzer's
# 2 GiB: under ASan, libavformat's large (untouched) tables become
# resident, and a peak of 1.6 GiB has been seen.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_ALL     := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)) \
	meta-fuzzer
FUZZERS      ?= $(FUZZ_ALL)
FUZZ_MAXLEN  := 65536
FUZZ_FLAGS   := -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=2048
FUZZ_SEEDS_meta-fuzzer   := tests/data/stills tests/data/video tests/data/bad \
	tests/fuzz/seeds-meta
FUZZ_REGRESS_meta-fuzzer := tests/fuzz/regress-meta
FUZZ_MAXLEN_meta-fuzzer  := 1048576
FUZZ_SEEDS_fuzz_tsa      := tests/fuzz/seeds-tsa

fuzz: deps
	@bad='$(filter-out $(FUZZ_ALL),$(FUZZERS))'; [ -z "$$bad" ] || { \
		echo "make fuzz: no such fuzzer:$$bad (have: $(FUZZ_ALL))" >&2; \
		exit 1; }
	@$(MAKE) --no-print-directory $(FUZZERS:%=fuzz-run-%)

# the fuzzers are kept after a run, to rerun an input by hand
.PRECIOUS: $(BUILD)/fuzz/%

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(PARSE_SRCS) $(SERVE_SRCS) \
		$(HEADERS) \
		$(GEN)/verify-md.h
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz: $(FUZZ_CC)" \
		"not found; run 'make deps' as root" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -Iinclude -I$(GEN) \
		$(PC_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(LIB_SRCS) $(PARSE_SRCS) $(SERVE_SRCS) $(PC_LIBS)

fuzz-run-%: $(BUILD)/fuzz/%
	@c=$(BUILD)/fuzz/corpus-$*; a=$(BUILD)/fuzz/artifacts-$*; \
	rm -rf $$c && mkdir -p $$c $$a || exit 1; \
	for d in $(FUZZ_SEEDS_$*); do cp $$d/* $$c/ || exit 1; done; \
	chmod -R u+w $$c; \
	regress='$(wildcard $(FUZZ_REGRESS_$*:%=%/*))'; \
	if [ -n "$$regress" ]; then \
		echo "fuzz: $*: regression inputs in $(FUZZ_REGRESS_$*)"; \
		$< $(FUZZ_FLAGS) -artifact_prefix=$$a/ $$regress || { \
			echo "fuzz: $*: a regression input fails again" >&2; \
			exit 1; }; \
	fi; \
	echo "fuzz: $*: $(FUZZ_SECONDS) s from $(or $(FUZZ_SEEDS_$*),no seeds)"; \
	$< $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		-max_len=$(or $(FUZZ_MAXLEN_$*),$(FUZZ_MAXLEN)) \
		-print_final_stats=1 -artifact_prefix=$$a/ \
		$$c $(wildcard $(FUZZ_REGRESS_$*)) || { \
		echo "fuzz: $*: FAILED; the input is in $$a/ (keep it in" \
		    "$(or $(FUZZ_REGRESS_$*),tests/fuzz/regress-$*)/)" >&2; \
		exit 1; }

clean:
	rm -rf $(BUILD)
