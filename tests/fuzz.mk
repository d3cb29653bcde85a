# tests/fuzz.mk - libFuzzer targets (clang -fsanitize=fuzzer,address,undefined).
#   make fuzz FUZZ_SECONDS=N   build every target and run each for N seconds
#                              (default 60) from its seed corpus
#   make fuzz-build            build only
#   make stress                the full load test (256 clients x 1000 round trips)
# Targets are tests/fuzz/fuzz_*.c (the one list: a new one is built and run
# here and by .ci, and test_fuzz_corpus's all_registered fails until it is
# in that test's table, so its corpus is replayed).  The library is compiled again with clang and the fuzzer's
# coverage instrumentation into build/fuzz/.  New inputs libFuzzer finds go
# to build/fuzz/corpus/<target>/ (the seeds in tests/fuzz/corpus/<target>/
# are never written); a crash leaves build/fuzz/crash-<target>-* and fails
# the run: add the file to tests/fuzz/corpus/<target>/ and test_fuzz_corpus
# replays it in every `make check` from then on.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -g -O1 -std=c11 $(IPL_WARN) -pthread $(FUZZ_SAN)

FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LOBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o)

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,FUZZCC,$<)$(FUZZ_CC) $(IPL_CPPFLAGS) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libipclab.a: $(FUZZ_LOBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fake.h $(FUZZ_DIR)/libipclab.a
	@mkdir -p $(dir $@)
	$(call quiet,FUZZLD,$@)$(FUZZ_CC) $(IPL_CPPFLAGS) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) -fsanitize=fuzzer \
		-o $@ $< $(FUZZ_DIR)/libipclab.a $(LDLIBS)

.PHONY: fuzz fuzz-build stress
fuzz-build: $(FUZZ_BIN)

# -malloc_limit_mb: one allocation over 64 MiB (4x the largest cap) is a
# peer-sized allocation and a failure; -timeout: one input over 10 s is a hang.
fuzz: fuzz-build
	$(Q)set -e; for b in $(FUZZ_BIN); do \
		t=$$(basename $$b); \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; \
		printf '  FUZZ   %s (%s s)\n' $$t $(FUZZ_SECONDS); \
		$$b -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -timeout=10 \
			-malloc_limit_mb=64 -rss_limit_mb=2048 \
			-artifact_prefix=$(FUZZ_DIR)/crash-$$t- \
			$(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t >$(FUZZ_DIR)/$$t.log 2>&1 || \
			{ tail -40 $(FUZZ_DIR)/$$t.log; echo "fuzz: $$t FAILED (see $(FUZZ_DIR)/$$t.log)"; exit 1; }; \
		grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' $(FUZZ_DIR)/$$t.log | \
			sed "s/^/         $$t /"; \
	done

STRESS_CLIENTS ?= 256
STRESS_ROUNDS  ?= 1000
# its own TMPDIR, as tests/run.sh gives each test, and a bound on the whole
stress: tests
	$(Q)d=$$(mktemp -d "$${TMPDIR:-/tmp}/ipclab-stress.XXXXXX"); \
	IPL_LOAD_CLIENTS=$(STRESS_CLIENTS) IPL_LOAD_ROUNDS=$(STRESS_ROUNDS) TMPDIR=$$d \
		timeout -k 5 3600 $(BUILD)/tests/test_load; rc=$$?; rm -rf "$$d"; exit $$rc
