# thermpace: one non-recursive Makefile.
#
#   make              build ./build/rel/thermpace and friends
#   make check        lint, tests, normal build and ASan+UBSan build, warnings as errors,
#                     plus the fuzz targets over their corpora
#   make fuzz         every fuzz target for FUZZ_TIME s (default 60) each
#   make bench        benchmarks that print figures
#   make lint         format, banned functions, include rules, file and function sizes
#   make deps         install the Debian/Ubuntu build dependencies (as root)
#   make install      PREFIX, DESTDIR honoured
#
# Sources are found by wildcard: a new module is a new file, no edit here.
# Layout and include rules: CONTRIBUTING.md; make lint enforces them.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
MANDIR     ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
# systemd reads units and tmpfiles.d under /usr/local/lib too
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
PKG_CONFIG ?= pkg-config
CC         ?= cc
AR         ?= ar
CLANG      ?= clang
CLANG_FORMAT ?= clang-format

PKGS := alsa kissfft-float inih jansson
# Loaded when first used (src/dynlib.h): headers at build time, the shared
# object by soname at run time; only tests and fuzz targets that call them
# directly link them. libsystemd: sd_notify (READY, STATUS, RELOADING,
# STOPPING, WATCHDOG) for 'thermpace serve' as a Type=notify service,
# loaded only when NOTIFY_SOCKET is set (src/pace/pace_serve.c).
# libupsclient: a UPS through Network UPS Tools (--nut; it brings NSS).
PKGS_LAZY := libcurl libmicrohttpd libsystemd sndfile libupsclient
# prometheus: its promtool validates the /metrics exposition in the tests.
DEBS := build-essential pkg-config clang clang-format libclang-rt-dev \
        libasound2-dev libkissfft-dev libsensors-dev libsndfile1-dev \
        libinih-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev libsystemd-dev \
        alsa-utils lm-sensors util-linux python3 python3-numpy prometheus cmake git \
        collectd-core help2man haproxy nut-server libupsclient-dev \
        chromium

# pkg-config runs when a compile or link first needs its answer, once, and
# not when the Makefile is read: 'make deps demo' on a fresh machine installs
# the packages before anything asks for their flags. A missing package stops
# the build with its name.
PKG_MISSING = $(shell for p in $(PKGS) $(PKGS_LAZY); do $(PKG_CONFIG) --exists $$p 2>/dev/null || echo $$p; done; \
                [ -f /usr/include/sensors/sensors.h ] || echo libsensors)
PKG_CHECK = $(if $(strip $(PKG_MISSING)),$(error build dependencies missing: $(strip $(PKG_MISSING)) (run 'make deps' as root)))
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(PKG_CHECK)$$(shell $$(PKG_CONFIG) --cflags $$(PKGS) $$(PKGS_LAZY)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(PKG_CHECK)$$(shell $$(PKG_CONFIG) --libs $$(PKGS)) -lsensors -lm -lpthread -ldl)$(PKG_LIBS)
PKG_LIBS_LAZY = $(eval PKG_LIBS_LAZY := $$(PKG_CHECK)$$(shell $$(PKG_CONFIG) --libs $$(PKGS_LAZY)))$(PKG_LIBS_LAZY)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wwrite-strings -Wvla -Wno-format-truncation
# make check sets WERROR=-Werror; a plain build on a newer compiler still builds.
WERROR ?=
OPT    ?= -O2 -g
SAN    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -DTHERMPACE_VERSION='"$(VERSION)"' \
               -DTHERMPACE_DATADIR='"$(DATADIR)/thermpace"' \
               -DTHERMPACE_SYSCONFDIR='"$(SYSCONFDIR)"' \
               -Isrc -Idsp $(PKG_CFLAGS) $(WARN) $(WERROR)

# src/ is the shared base plus one folder a wing (CONTRIBUTING.md); dsp/ is
# the acoustic library. src/cli/ is the thermpace CLI; src/WING/NAME_main.c
# becomes thermpace-NAME; everything else is libthermpace.a.
SRC_ALL   := $(sort $(wildcard src/*.c src/*/*.c dsp/*.c))
PROG_MAIN := $(sort $(wildcard src/*/*_main.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
LIB_SRC   := $(filter-out $(PROG_MAIN) $(CLI_SRC),$(SRC_ALL))
TEST_SRC  := $(sort $(wildcard test/test_*.c))
BENCH_SRC := $(sort $(wildcard test/bench_*.c))
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))
PROG_NAMES := thermpace $(patsubst %_main.c,thermpace-%,$(notdir $(PROG_MAIN)))
# the bundled off-grid rigs, installed for thermpace energy's default
SOLAR_FILES := $(wildcard fixtures/solar/*.ini fixtures/solar/*.csv fixtures/solar/*.CSV) \
               fixtures/solar/SOURCE fixtures/solar/LICENSE.pvlib
HDRS := $(wildcard src/*.h src/*/*.h dsp/*.h test/*.h)
# libthermpace-client.a: the cooperative pacing client alone (libc only).
CLIENT_SRC := src/client/thermpace_client.c

.PHONY: all check check-rel check-san check-gen check-fuzz fuzz bench lint format deps \
        install uninstall clean demo docs
all: $(addprefix build/rel/,$(PROG_NAMES)) build/rel/libthermpace-client.a

# $(1): variant dir, $(2): src/WING/NAME_main.c; the variant's flags are
# VFLAGS_$(1) (they hold commas, which a call argument cannot).
define PROG
$(1)/thermpace-$(patsubst %_main.c,%,$(notdir $(2))): $(1)/$(2:.c=.o) $(1)/libthermpace.a
	$$(CC) $$(VFLAGS_$(1)) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(LDLIBS)
endef

# $(1): variant dir, $(2): extra compiler and linker flags
define VARIANT
$(1)/%.o: %.c Makefile
	@mkdir -p $$(@D)
	$$(CC) $$(BASE_CFLAGS) $(2) $$(OPT) $$(CPPFLAGS) $$(CFLAGS) -MMD -MP -c $$< -o $$@
$(1)/libthermpace.a: $$(patsubst %.c,$(1)/%.o,$$(LIB_SRC))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
$(1)/libthermpace-client.a: $$(patsubst %.c,$(1)/%.o,$$(CLIENT_SRC))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
$(1)/thermpace: $$(patsubst %.c,$(1)/%.o,$$(CLI_SRC)) $(1)/libthermpace.a
	$$(CC) $(2) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(LDLIBS)
$(1)/test/%: $(1)/test/%.o $(1)/libthermpace.a
	$$(CC) $(2) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(PKG_LIBS_LAZY) $$(LDLIBS)
$(1)/tests: $$(addprefix $(1)/,$$(PROG_NAMES)) $(1)/libthermpace-client.a $$(patsubst %.c,$(1)/%,$$(TEST_SRC))
	@touch $$@
endef
$(eval $(call VARIANT,build/rel,))
$(eval $(call VARIANT,build/san,$(SAN)))
# The acoustic kernels without any target-specific vector path (the code
# 32-bit ARM and other targets run), checked by the dsp tests.
$(eval $(call VARIANT,build/gen,-DDSP_VEC_GENERIC))
VFLAGS_build/san := $(SAN)
VFLAGS_build/gen := -DDSP_VEC_GENERIC
$(foreach v,build/rel build/san build/gen,$(foreach m,$(PROG_MAIN),$(eval $(call PROG,$(v),$(m)))))

-include $(shell find build -name '*.d' 2>/dev/null)

# The closing line sums every suite: "check: N passed, N failed, N skipped".
check: lint check-rel check-san check-gen check-fuzz
	@cat build/rel/counts build/san/counts build/gen/counts $$(ls build/fuzz/counts 2>/dev/null) | \
	  awk '{p+=$$1; f+=$$2; s+=$$3} END {printf "check: %d passed, %d failed, %d skipped\n", p, f, s}'

check-rel:
	@$(MAKE) --no-print-directory WERROR=-Werror build/rel/tests
	@test/run-tests build/rel

check-san:
	@$(MAKE) --no-print-directory WERROR=-Werror OPT='-O1 -g' build/san/tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	  UBSAN_OPTIONS=print_stacktrace=1:exitcode=99 test/run-tests build/san

check-gen:
	@$(MAKE) --no-print-directory WERROR=-Werror build/gen/test/test_dsp
	@test/run-tests build/gen test_dsp

# Fuzz targets: libFuzzer with clang where it is present, run over the
# corpus in fuzz/corpus/NAME plus FUZZ_RUNS generated inputs each.
FUZZ_RUNS ?= 3000
FUZZ_CFLAGS = -Werror=implicit-function-declaration -std=c11 -D_GNU_SOURCE -DTHERMPACE_VERSION='"$(VERSION)"' \
               -DTHERMPACE_DATADIR='"$(DATADIR)/thermpace"' -Isrc -Idsp $(PKG_CFLAGS) \
               -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
# -MMD: a changed header rebuilds the fuzz objects too (a stale parser
# object against a new limit in its header made a target abort)
build/fuzz/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
build/fuzz/libthermpace.a: $(patsubst %.c,build/fuzz/%.o,$(LIB_SRC))
	@rm -f $@
	$(AR) rcs $@ $^
build/fuzz/%: build/fuzz/fuzz/%.o build/fuzz/libthermpace.a
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) $(PKG_LIBS_LAZY)
check-fuzz:
	@if command -v $(CLANG) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC)) && \
	  FUZZ_RUNS=$(FUZZ_RUNS) test/run-fuzz build/fuzz $(patsubst fuzz/%.c,%,$(FUZZ_SRC)); \
	else echo "check-fuzz: skipped: $(CLANG) not found (make deps installs it)"; \
	  rm -f build/fuzz/counts; fi

# make fuzz: each target long, FUZZ_TIME seconds (default 60) or, when
# FUZZ_RUNS is given, that many inputs; prints each target's executions.
FUZZ_TIME ?= 60
fuzz:
	@if command -v $(CLANG) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC)) && \
	  FUZZ_TIME=$(FUZZ_TIME) FUZZ_RUNS=$(if $(filter command line environment,$(origin FUZZ_RUNS)),$(FUZZ_RUNS),-1) \
	    test/run-fuzz build/fuzz $(patsubst fuzz/%.c,%,$(FUZZ_SRC)); \
	else echo "fuzz: $(CLANG) not found (make deps installs it)"; exit 1; fi

bench: all $(patsubst %.c,build/rel/%,$(BENCH_SRC))
	@missed=; out=$$(mktemp); \
	for b in $(patsubst %.c,build/rel/%,$(BENCH_SRC)) $(sort $(wildcard test/bench_*.sh)); do \
	  echo "== $$b"; \
	  case $$b in *.sh) run="sh $$b build/rel";; *) run=$$b;; esac; \
	  { $$run || echo "bench: $$b exited with an error"; } 2>&1 | tee "$$out"; \
	  grep -qi 'not met\|exited with an error' "$$out" && missed="$$missed $$b"; \
	done; rm -f "$$out"; \
	if [ -n "$$missed" ]; then echo "bench: targets not met in:$$missed"; exit 1; fi; echo "bench: every target met"

LINT_FILES := $(sort $(wildcard src/*.[ch] src/*/*.[ch] dsp/*.[ch] test/*.[ch] fuzz/*.[ch]))
lint:
	@tools/lint-banned $(LINT_FILES)
	@tools/lint-includes $(LINT_FILES)
	@tools/lint-size $(wildcard src/*.c src/*/*.c dsp/*.c)
	@$(CLANG_FORMAT) --dry-run --Werror $(LINT_FILES)
	@echo "lint: ok"
format:
	$(CLANG_FORMAT) -i $(LINT_FILES)

deps:
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEBS); \
	else echo "run as root: apt-get install -y $(DEBS)"; fi

demo: all
	@tools/demo build/rel

# the manual pages and the bash completion, from the program's own --help
# texts (help2man): they cannot drift from what the parsers take
docs: build/rel/docs/stamp
build/rel/docs/stamp: build/rel/thermpace tools/gen-docs docs/protocol.md
	tools/gen-docs build/rel/thermpace build/rel/docs >/dev/null
	@touch $@

install: all docs
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	  $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 build/rel/docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 build/rel/docs/man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 build/rel/docs/man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 644 build/rel/docs/completion/thermpace $(DESTDIR)$(BASHCOMPDIR)/thermpace
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/thermpace/boards
	install -m 755 $(addprefix build/rel/,$(PROG_NAMES)) $(DESTDIR)$(BINDIR)/
	install -m 644 boards/*.ini $(DESTDIR)$(DATADIR)/thermpace/boards/
	@# the bundled off-grid rigs and their irradiance years (thermpace energy's default)
	install -d $(DESTDIR)$(DATADIR)/thermpace/solar
	install -m 644 $(SOLAR_FILES) $(DESTDIR)$(DATADIR)/thermpace/solar/
	install -d $(DESTDIR)$(DATADIR)/thermpace/prometheus $(DESTDIR)$(DATADIR)/thermpace/grafana
	install -m 644 dist/prometheus/thermpace.rules.yml $(DESTDIR)$(DATADIR)/thermpace/prometheus/
	install -m 644 dist/grafana/thermpace.json $(DESTDIR)$(DATADIR)/thermpace/grafana/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/thermpace \
	  $(DESTDIR)$(DATADIR)/doc/thermpace
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g;s|/etc/thermpace/|$(SYSCONFDIR)/thermpace/|g' \
	  dist/thermpace.service > $(DESTDIR)$(SYSTEMDUNITDIR)/thermpace.service
	install -m 644 dist/thermpace.conf $(DESTDIR)$(TMPFILESDIR)/thermpace.conf
	install -m 644 dist/thermpace.ini $(DESTDIR)$(DATADIR)/doc/thermpace/thermpace.ini.example
	@# a configuration already there is the user's: never overwritten
	[ -e $(DESTDIR)$(SYSCONFDIR)/thermpace/thermpace.ini ] || \
	  install -m 644 dist/thermpace.ini $(DESTDIR)$(SYSCONFDIR)/thermpace/thermpace.ini
	@if [ -f build/rel/libthermpace-client.a ]; then \
	  install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) && \
	  install -m 644 build/rel/libthermpace-client.a $(DESTDIR)$(LIBDIR)/ && \
	  install -m 644 src/client/thermpace.h $(DESTDIR)$(INCLUDEDIR)/ && \
	  sed -e 's|@PREFIX@|$(PREFIX)|;s|@LIBDIR@|$(LIBDIR)|;s|@INCLUDEDIR@|$(INCLUDEDIR)|;s|@VERSION@|$(VERSION)|' \
	    src/client/thermpace.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/thermpace.pc; fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROG_NAMES))
	rm -f $(DESTDIR)$(MANDIR)/man1/thermpace.1 $(DESTDIR)$(MANDIR)/man1/thermpace-*.1 \
	      $(DESTDIR)$(MANDIR)/man5/thermpace.ini.5 $(DESTDIR)$(MANDIR)/man7/thermpace-protocol.7 \
	      $(DESTDIR)$(BASHCOMPDIR)/thermpace
	rm -rf $(DESTDIR)$(DATADIR)/thermpace $(DESTDIR)$(DATADIR)/doc/thermpace
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/thermpace.service $(DESTDIR)$(TMPFILESDIR)/thermpace.conf
	rm -f $(DESTDIR)$(LIBDIR)/libthermpace-client.a $(DESTDIR)$(INCLUDEDIR)/thermpace.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/thermpace.pc

clean:
	rm -rf build
