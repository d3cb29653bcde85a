# ipclab - one non-recursive Makefile.
#   make            build build/ipclab
#   make check      build and run every test (SAN=address,undefined for sanitizers)
#   make bench      install what is missing, build, run the default comparison
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
# Folders may add rules in their own <folder>/*.mk; they are included below.

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?=
V       ?= 0

comma := ,
BUILD := build$(if $(SAN),/san-$(subst $(comma),-,$(SAN)))

CPPFLAGS += -D_GNU_SOURCE -Icommon -Isockets -Ipipes -Ishm -Irpc -Ibench
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -pthread -MMD -MP
LDFLAGS  += -pthread
LDLIBS   += -lm -lrt
ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

ifeq ($(V),0)
Q = @
quiet = @printf '  %-6s %s\n' $(1) $(2);
else
Q =
quiet =
endif

LIB_SRC   := $(wildcard common/*.c sockets/*.c pipes/*.c shm/*.c rpc/*.c mq/*.c udp/*.c)
BENCH_SRC := $(filter-out bench/main.c,$(wildcard bench/*.c))
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_HELP := $(wildcard tests/helper_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/%.o)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
HELP_OBJ  := $(TEST_HELP:%.c=$(BUILD)/%.o)

LIB   := $(BUILD)/libipclab.a
BLIB  := $(BUILD)/libipclab-bench.a
IPCLAB := $(BUILD)/ipclab

.PHONY: all check bench clean install deps tests
all: $(IPCLAB)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(BLIB): $(BENCH_OBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(IPCLAB): $(BUILD)/bench/main.o $(BLIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(HELP_OBJ) $(BLIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

tests: $(TEST_BIN) $(IPCLAB)

# Test dependencies: installed with apt-get when we may, otherwise named.
deps:
	$(Q)sh bench/deps.sh check

TEST_TIMEOUT ?= 600
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)IPCLAB=$(CURDIR)/$(IPCLAB) BUILD=$(BUILD) sh tests/run.sh $(TEST_BIN)

bench: deps $(IPCLAB)
	$(Q)IPCLAB=$(CURDIR)/$(IPCLAB) sh bench/default.sh

install: $(IPCLAB)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(IPCLAB) $(DESTDIR)$(PREFIX)/bin/ipclab
	if [ -f docs/ipclab.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
		install -m 0644 docs/ipclab.1 $(DESTDIR)$(PREFIX)/share/man/man1/ipclab.1; fi

clean:
	rm -rf build

-include $(wildcard */*.mk)
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
$(BUILD)/bench/env.o: CPPFLAGS += -DIPL_GIT_REV='"$(GIT_REV)"'
