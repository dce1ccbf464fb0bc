# bodycam - chain-of-custody catalog for body-worn-camera footage.
#
#   make                 build/libbodycam.a and build/bodycam
#   make deps            install the Debian packages the build and tests need
#   make test            deps (when missing), build, run every test
#   make demo            register, verify and tamper with real footage
#   make bench           hashing against openssl dgst, audit against
#                        openssl speed ed25519
#   make install         PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined test
#   make fuzz            libFuzzer targets (clang)
#   make clean

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
CC       ?= cc
PKG_CONFIG ?= pkg-config
BUILD    := build

# Debian packages: the build, the tests, the demo and the benchmark.
DEB_PKGS := build-essential pkg-config libssl-dev libsqlite3-dev \
	libjansson-dev check openssl sqlite3 python3

LIBS_PC  := openssl sqlite3 jansson
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
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -pthread
ALL_LDFLAGS := $(LDFLAGS) -pthread
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -U_FORTIFY_SOURCE
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# pkg-config for every library; say clearly what is missing.
pc_check = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
ifeq ($(filter deps clean uninstall test demo bench,$(MAKECMDGOALS)),)
ifneq ($(call pc_check,$(LIBS_PC)),yes)
$(error missing libraries: $(LIBS_PC) (via pkg-config); run 'make deps' as root)
endif
endif
PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lm
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PC) 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PC) 2>/dev/null)

LIB_SRCS := $(filter-out bodycam/main.c bodycam/cmd.c bodycam/cmd-%.c, \
	$(wildcard bodycam/*.c))
CLI_SRCS := bodycam/main.c bodycam/cmd.c $(wildcard bodycam/cmd-*.c)
LIB_OBJS := $(LIB_SRCS:bodycam/%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:bodycam/%.c=$(BUILD)/obj/%.o)
HEADERS  := $(wildcard include/bodycam/*.h) bodycam/cli.h bodycam/internal.h
CHECK_SRCS := $(wildcard tests/check_*.c)
CHECK_BINS := $(CHECK_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL  := tests/testutil.c

LIB := $(BUILD)/libbodycam.a
BIN := $(BUILD)/bodycam

.PHONY: all deps test check-tests demo bench install uninstall clean fuzz \
	corpus-test
all: $(BIN)

# Rebuild everything when the flags change (e.g. SANITIZE on or off).
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
		echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@
FORCE:

$(BUILD)/obj/%.o: bodycam/%.c $(HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(ALL_LDFLAGS) $(PC_LIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_UTIL) tests/testutil.h $(LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) $(CHECK_CFLAGS) -Itests -o $@ $< \
		$(TEST_UTIL) $(LIB) $(ALL_LDFLAGS) $(PC_LIBS) $(CHECK_LIBS)

$(BUILD)/tests/runstat: tests/bench/runstat.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(BUILD)/tests/mkcatalog: tests/bench/mkcatalog.c $(LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PC_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) \
		$(PC_LIBS)

# Installs only what is missing; silent when everything is there.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
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

test: deps
	@$(MAKE) --no-print-directory $(BIN) $(CHECK_BINS)
	@BODYCAM=$(BIN) BUILD=$(BUILD) sh tests/run.sh $(CHECK_BINS)

# The whole-corpus suite alone ($$BODYCAM_CORPUS, default ../shared/corpus).
corpus-test: $(BIN)
	@BODYCAM=$(BIN) sh tests/cli/corpus.sh

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@BODYCAM=$(BIN) sh tests/demo.sh

bench: deps
	@$(MAKE) -s --no-print-directory $(BIN) $(BUILD)/tests/runstat \
		$(BUILD)/tests/mkcatalog
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat sh tests/bench/hash.sh
	@BODYCAM=$(BIN) RUNSTAT=$(BUILD)/tests/runstat \
		MKCATALOG=$(BUILD)/tests/mkcatalog sh tests/bench/audit.sh

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/bodycam
	install -m 0644 bodycam.1 $(DESTDIR)$(MANDIR)/man1/bodycam.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bodycam $(DESTDIR)$(MANDIR)/man1/bodycam.1

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz: $(FUZZ_TARGETS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(HEADERS)
	@mkdir -p $(dir $@)
	clang -g -O1 -std=c11 -D_GNU_SOURCE -Iinclude $(PC_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRCS) $(PC_LIBS)

clean:
	rm -rf $(BUILD)
