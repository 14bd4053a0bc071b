# pm - property operations toolkit.  `make` builds bin/ and lib/libpm.a;
# `make test`, `make demo`, `make asan`, `make bench`, `make install`.
# Dependencies are checked (and installed when root) by tools/deps.sh.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/pm
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
# gcc-ar: archives of link-time-optimised objects need the LTO plugin
AR = gcc-ar
OPT ?= -O2 -flto=auto
WARN = -Wall -Wextra -Wshadow -Wno-unused-parameter
CFLAGS ?= $(OPT) -g
PM_CFLAGS = -std=gnu11 $(WARN) -Ilib -DPM_DATADIR='"$(DATADIR)"' $(SANFLAGS) -MMD -MP
LDLIBS_CORE = -lyaml -lcsv -lpcre2-8

# Sanitizer builds go to their own tree: make B=build-asan SANFLAGS=...
B ?= build
BIN ?= bin
ifeq ($(B),build)
LIBPM = lib/libpm.a
else
LIBPM = $(B)/libpm.a
endif

# lib/cli/: the command-line helpers that may end the process (same archive)
LIB_SRC := $(wildcard lib/*.c lib/cli/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
PROGRAMS := pm-ingest pm-sla pm-fee pm-report pm-roster
BUILT := $(foreach p,$(PROGRAMS),$(if $(wildcard src/$(p)/*.c),$(BIN)/$(p)))

# Extra libraries per program.
LIBS_pm-fee = -lnettle
LIBS_pm-ingest = -lnettle
LIBS_pm-report = -lxlsxwriter -lnettle

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%.o)
UNIT_BIN := $(B)/tests/unit

DEPS_STAMP := $(B)/.deps-ok

.PHONY: all test unit cli demo asan valgrind bench install clean deps fuzz check-browser format
all: $(DEPS_STAMP) $(LIBPM) $(BUILT)

$(DEPS_STAMP): tools/deps.sh
	@sh tools/deps.sh build
	@mkdir -p $(B) && touch $@

deps:
	@sh tools/deps.sh build

# lib/ is -Wconversion clean: keep it so.
LIB_WARN = -Wconversion

$(B)/lib/%.o: lib/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PM_CFLAGS) $(LIB_WARN) -c -o $@ $<

$(LIBPM): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# Each program: its main.c over an archive of the rest of src/NAME/ (the
# program's logic), which the unit tests link too.
PROG_LIB = $(B)/src/$(1)/lib$(1).a
PROG_OBJ = $(patsubst src/%.c,$(B)/src/%.o,$(filter-out src/$(1)/main.c,$(wildcard src/$(1)/*.c)))
PROG_LIBS := $(foreach p,$(PROGRAMS),$(if $(wildcard src/$(p)/*.c),$(call PROG_LIB,$(p))))

$(B)/src/%.o: src/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PM_CFLAGS) -Isrc/$(patsubst %/,%,$(dir $*)) -c -o $@ $<

# src/pm-roster/ is -Wconversion clean too: keep it so.
$(B)/src/pm-roster/%.o: PM_CFLAGS += -Wconversion

define PROG_RULES
$(call PROG_LIB,$(1)): $(call PROG_OBJ,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && $(AR) rcs $$@ $$^

$(BIN)/$(1): $(B)/src/$(1)/main.o $(call PROG_LIB,$(1)) $(LIBPM)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(PM_CFLAGS) -o $$@ $$^ $(LIBS_$(1)) $(LDLIBS_CORE) -lm
endef
$(foreach p,$(PROGRAMS),$(eval $(call PROG_RULES,$(p))))

$(B)/tests/%.o: tests/unit/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PM_CFLAGS) -c -o $@ $<

$(UNIT_BIN): $(UNIT_OBJ) $(PROG_LIBS) $(LIBPM)
	$(CC) $(CFLAGS) $(PM_CFLAGS) -o $@ $(UNIT_OBJ) $(PROG_LIBS) $(LIBPM) -lcriterion -lxlsxwriter -lnettle $(LDLIBS_CORE) -lm

unit: all $(UNIT_BIN)
	cd tests/unit && PM_DATADIR=$(CURDIR)/data ../../$(UNIT_BIN) --jobs=2

# The optional tools some tests compare with (YAML readers, hledger,
# beancount, Miller, GNU parallel): installed when root; a test that lacks
# one skips with a message.
cli: all
	@sh tools/deps.sh test || echo "pm: some optional test tools are missing; their tests skip"
	PM_BIN=$(CURDIR)/$(BIN) PM_DATADIR=$(CURDIR)/data bash tests/cli/run.sh

test: unit cli

# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
# The large generated inputs are smaller there (sanitizers are ~10x slower).
asan:
	@sh tools/deps.sh build
	SCALEOUT_N=20000 PM_NOTHING_LOST_N=20000 $(MAKE) B=build-asan BIN=build-asan/bin OPT=-O1 \
	  SANFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
	  test

# valgrind memcheck over a sample of command-line runs: no memory error, no
# definite leak.
valgrind: all
	@sh tools/deps.sh valgrind
	PM_BIN=$(CURDIR)/$(BIN) PM_DATADIR=$(CURDIR)/data bash tools/valgrind.sh

demo: all
	@sh examples/demo.sh

bench: all
	@sh tools/bench.sh

# libFuzzer harnesses (clang): make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tools/fuzz.sh

# The house style (.clang-format) on every C file.
format:
	clang-format -i $(wildcard lib/*.[ch] lib/cli/*.[ch] src/*/*.[ch] tests/unit/*.[ch] tools/*.c)

# The HTML report in headless Chromium, the XLSX re-read by LibreOffice.
check-browser: all
	@sh tools/deps.sh browser
	@sh tools/check-browser.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/calendars $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILT) $(DESTDIR)$(BINDIR)
	install -m 644 data/calendars/*.yaml $(DESTDIR)$(DATADIR)/calendars
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5

clean:
	rm -rf build build-asan bin lib/libpm.a

# One unit-test file on its own (while other parts are being written):
#   make build/tests/one-test_decimal && build/tests/one-test_decimal
$(B)/tests/one-%: $(B)/tests/%.o $(PROG_LIBS) $(LIBPM)
	$(CC) $(CFLAGS) $(PM_CFLAGS) -o $@ $< $(PROG_LIBS) $(LIBPM) -lcriterion -lxlsxwriter -lnettle $(LDLIBS_CORE) -lm

# Header dependencies written by -MMD.
-include $(shell find $(B) -name '*.d' 2>/dev/null)
