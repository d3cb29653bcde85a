# ipclab - one non-recursive Makefile.
#   make            build build/ipclab
#   make check      build and run every test (SAN=address,undefined for sanitizers)
#   make bench      install what is missing, build, run the default comparison
#   make install    PREFIX=/usr/local DESTDIR= (binary, man page, bash completion,
#                   the lab handouts without their answer keys)
#   make uninstall  the same PREFIX and DESTDIR: removes what install put there
#   make clean
#   make format-check  lists .c/.h files that differ from .clang-format
# Folders may add rules in their own <folder>/*.mk; they are included below.

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?=
V       ?= 0

comma := ,
BUILD := build$(if $(SAN),/san-$(subst $(comma),-,$(SAN)))

# The project's own flags live in variables of their own: `make CFLAGS=-O0`
# or `make CPPFLAGS=-DX` adds to them and can never drop the language level,
# the warnings, -Werror, the dependency files or the include path.  One
# include path, the tree root: every include names its folder
# ("common/transport.h").  -iquote, not -I: it serves "..." includes only,
# so rpc/xdr.h can never stand in for the system's <rpc/xdr.h> (libtirpc)
# nor common/err.h for <err.h>.  $(BUILD) holds the generated ipl_config.h.
IPL_CPPFLAGS := -D_GNU_SOURCE -iquote . -iquote $(BUILD)
IPL_WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
		-Wundef -Wvla
IPL_CFLAGS   := -std=c11 $(IPL_WARN) -pthread -MMD -MP
CFLAGS   ?= -O2 -g
LDFLAGS  += -pthread
LDLIBS   += -lm -lrt
ifneq ($(SAN),)
IPL_CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SAN)
endif

ifeq ($(V),0)
Q = @
quiet = @printf '  %-6s %s\n' $(1) $(2);
else
Q =
quiet =
endif

# The mechanism folders, written once: each holds one mechanism's files (and
# may add rules in its own <folder>/*.mk, included below).
MECH_DIRS := sockets pipes shm rpc mq zmq nng

LIB_SRC   := $(wildcard common/*.c $(MECH_DIRS:%=%/*.c))
# bench/: the registry, the driver (run/), output (report/), the command
# line (cli/, which holds main) and the teaching demo (demo/).
BENCH_SRC := $(filter-out bench/cli/main.c bench/floor/%,$(wildcard bench/*/*.c))
# bench/floor/: the floor loops ../shared/floor lacks (mq, seqpacket), a
# program of their own for bench/vs-floor.sh, not part of ipclab
FLOOR_EXTRA := $(BUILD)/ipclab-floor-extra
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_HELP := $(wildcard tests/helper_*.c)
# a mechanism's own rules (optional parts: rpc/oncrpc.mk) may edit LIB_SRC
-include $(wildcard $(MECH_DIRS:%=%/*.mk))

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/%.o)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
HELP_OBJ  := $(TEST_HELP:%.c=$(BUILD)/%.o)

LIB   := $(BUILD)/libipclab.a
BLIB  := $(BUILD)/libipclab-bench.a
IPCLAB := $(BUILD)/ipclab

.PHONY: all check bench clean install uninstall deps tests
all: $(IPCLAB) $(FLOOR_EXTRA)

$(FLOOR_EXTRA): bench/floor/floor_extra.c
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(IPL_CFLAGS) $(CFLAGS) -o $@ $< -lrt

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(IPL_CPPFLAGS) $(CPPFLAGS) $(IPL_CFLAGS) $(CFLAGS) -c -o $@ $<

# ldlibs beside the archive: what a program linking libipclab.a needs besides
# it (the mechanisms' libraries found at build time), for lab 4's grader
$(LIB): $(LIB_OBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^
	@echo '$(LDLIBS)' >$(BUILD)/ldlibs

$(BLIB): $(BENCH_OBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(IPCLAB): $(BUILD)/bench/cli/main.o $(BLIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(HELP_OBJ) $(BLIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

tests: $(TEST_BIN) $(IPCLAB) $(FLOOR_EXTRA)

# Test dependencies: installed with apt-get when we may, otherwise named.
deps:
	$(Q)sh bench/deps.sh check

TEST_TIMEOUT ?= 600
check: deps layers
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)IPCLAB=$(CURDIR)/$(IPCLAB) BUILD=$(BUILD) sh tests/run.sh $(TEST_BIN)

# make check-stress N=10: make check N times in a row beside a CPU load
# (stress-ng --cpu 2, else a busy loop per core); all N must pass.
.PHONY: check-stress
check-stress: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)N=$(or $(N),10) IPCLAB=$(CURDIR)/$(IPCLAB) BUILD=$(BUILD) sh tests/stress.sh $(TEST_BIN)

# make layers: includes cross layers only downwards (scripts/check-layers.sh)
.PHONY: layers
layers:
	$(Q)sh scripts/check-layers.sh $(MECH_DIRS)

# make format-check: every tracked .c/.h is as .clang-format lays it out;
# lists the files that are not (`clang-format -i FILE` fixes one).  Not part
# of check: the result depends on the clang-format version.  FORMAT_EXCLUDE:
# git pathspecs of generated or third-party files (none tracked today:
# rpcgen's output is made in $(BUILD)).
FORMAT_EXCLUDE ?=
.PHONY: format-check
format-check:
	$(Q)command -v clang-format >/dev/null || { echo 'format-check: clang-format not installed' >&2; exit 2; }
	$(Q)bad=0; for f in $$(git ls-files -- '*.c' '*.h' $(FORMAT_EXCLUDE:%=':!%')); do \
		clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 || { echo "$$f"; bad=$$((bad + 1)); }; \
	done; \
	[ $$bad -eq 0 ] || { echo "format-check: $$bad file(s) differ from .clang-format" >&2; exit 1; }

# A fresh clone builds before it measures, on every core unless make was
# given its own -j (a sub-make under a jobserver must not force one).
bench: deps
	$(Q)case " $$MAKEFLAGS" in *" -j"* | *--jobserver*) j= ;; *) j=-j$$(nproc 2>/dev/null || echo 1) ;; esac; \
		$(MAKE) --no-print-directory $$j $(IPCLAB)
	$(Q)IPCLAB=$(CURDIR)/$(IPCLAB) sh bench/default.sh

BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
install: $(IPCLAB) install-labs
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(IPCLAB) $(DESTDIR)$(PREFIX)/bin/ipclab
	if [ -f docs/ipclab.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
		install -m 0644 docs/ipclab.1 $(DESTDIR)$(PREFIX)/share/man/man1/ipclab.1; fi
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 scripts/ipclab.bash-completion $(DESTDIR)$(BASHCOMPDIR)/ipclab

# The lab handouts for students, to read beside the installed ipclab:
# docs/labs/*.md, the code labs' starting folders (docs/labs/code/N-*/) and
# the pictures, in DOCDIR/labs and DOCDIR/img (the handouts' relative links
# hold).  Never the answer keys (docs/labs/answers/), the reference
# solutions (docs/labs/code/reference/) nor the grader: grading runs in the
# source tree (`make grade LAB=N`).  tests/t_install.sh checks both sides.
DOCDIR ?= $(PREFIX)/share/doc/ipclab
LAB_HANDOUTS := $(wildcard docs/labs/*.md docs/labs/code/README.md docs/labs/code/[0-9]-*/*)
LAB_IMAGES   := $(wildcard docs/img/*.svg)
.PHONY: install-labs
install-labs:
	$(Q)for f in $(LAB_HANDOUTS); do \
		d=$(DESTDIR)$(DOCDIR)/labs/$${f#docs/labs/}; \
		install -d "$${d%/*}" && install -m 0644 "$$f" "$$d" || exit 1; \
	done
	$(Q)install -d $(DESTDIR)$(DOCDIR)/img
	$(Q)for f in $(LAB_IMAGES); do install -m 0644 "$$f" $(DESTDIR)$(DOCDIR)/img/ || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ipclab $(DESTDIR)$(PREFIX)/share/man/man1/ipclab.1 \
		$(DESTDIR)$(BASHCOMPDIR)/ipclab
	rm -rf $(DESTDIR)$(DOCDIR)/labs $(DESTDIR)$(DOCDIR)/img
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf build

-include $(wildcard tests/*.mk)
-include docs/labs/code/labs.mk
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Configuration the objects depend on, in one generated header: the git
# revision (-dirty with local changes) and flags of this build (`ipclab
# --version`, every result's environment) and whether libtirpc is there
# (rpc/oncrpc.mk sets IPL_HAVE_TIRPC).  Rewritten only when it changes, so
# committing or installing libtirpc rebuilds exactly the objects that include
# it (through -MMD), and nothing else.
IPL_HAVE_TIRPC ?= 0
GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
BUILD_FLAGS := $(subst ",\",$(subst \,\\,$(CC) $(IPL_CFLAGS) $(CFLAGS)))
$(BUILD)/ipl_config.h: FORCE
	@mkdir -p $(BUILD)
	@printf '/* generated by the Makefile: do not edit */\n#define IPL_GIT_REV "%s"\n#define IPL_BUILD_FLAGS "%s"\n#define IPL_HAVE_TIRPC %s\n' \
		'$(GIT_REV)' '$(BUILD_FLAGS)' '$(IPL_HAVE_TIRPC)' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
FORCE:
# the objects that include it: generated before they compile
$(BUILD)/bench/report/env.o $(BUILD)/bench/registry/registry.o $(BUILD)/tests/helper_variants.o: \
	$(BUILD)/ipl_config.h
