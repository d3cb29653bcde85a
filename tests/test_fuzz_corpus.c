/* test_fuzz_corpus.c - replays every file of tests/fuzz/corpus/<target>/
 * through that fuzz target's entry point, compiled into this ordinary test.
 * The seeds prove the targets accept good input; a crash libFuzzer ever
 * finds is added to the target's corpus directory and so becomes a
 * regression test of every `make check` (with SAN=address,undefined it is
 * replayed under the same sanitizers as the fuzzer). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define LLVMFuzzerTestOneInput ipl_fuzz_hdr
#include "tests/fuzz/fuzz_hdr.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_msg_recv
#include "tests/fuzz/fuzz_msg_recv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_serve
#include "tests/fuzz/fuzz_serve.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_client
#include "tests/fuzz/fuzz_client.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_xdr
#include "tests/fuzz/fuzz_xdr.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_rpcmsg
#include "tests/fuzz/fuzz_rpcmsg.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_rm
#include "tests/fuzz/fuzz_rm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_rpc_server
#include "tests/fuzz/fuzz_rpc_server.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_rpc_client
#include "tests/fuzz/fuzz_rpc_client.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_rpcbind
#include "tests/fuzz/fuzz_rpcbind.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_udp
#include "tests/fuzz/fuzz_udp.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_mq
#include "tests/fuzz/fuzz_mq.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput ipl_fuzz_rpc_dgram
#include "tests/fuzz/fuzz_rpc_dgram.c"
#undef LLVMFuzzerTestOneInput

struct target {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
};

static const struct target targets[] = {
	{ "fuzz_hdr", ipl_fuzz_hdr },
	{ "fuzz_msg_recv", ipl_fuzz_msg_recv },
	{ "fuzz_serve", ipl_fuzz_serve },
	{ "fuzz_client", ipl_fuzz_client },
	{ "fuzz_xdr", ipl_fuzz_xdr },
	{ "fuzz_rpcmsg", ipl_fuzz_rpcmsg },
	{ "fuzz_rm", ipl_fuzz_rm },
	{ "fuzz_rpc_server", ipl_fuzz_rpc_server },
	{ "fuzz_rpc_client", ipl_fuzz_rpc_client },
	{ "fuzz_rpcbind", ipl_fuzz_rpcbind },
	{ "fuzz_udp", ipl_fuzz_udp },
	{ "fuzz_mq", ipl_fuzz_mq },
	{ "fuzz_rpc_dgram", ipl_fuzz_rpc_dgram },
};
#define NTARGETS (sizeof targets / sizeof targets[0])

/* The corpus lives next to this file: tests/fuzz/corpus/ under the
 * directory `make check` runs in, or $IPL_SRCDIR. */
static void corpus_dir(const char *target, char *out, size_t len)
{
	const char *src = getenv("IPL_SRCDIR");
	snprintf(out, len, "%s%stests/fuzz/corpus/%s", src ? src : "", src ? "/" : "", target);
}

static int known(const char *name, size_t len)
{
	for (size_t i = 0; i < NTARGETS; i++)
		if (strlen(targets[i].name) == len && memcmp(targets[i].name, name, len) == 0)
			return 1;
	return 0;
}

/* tests/fuzz/fuzz_*.c is the one list of targets (make fuzz and .ci build
 * and run that wildcard): a target or corpus missing from the table above
 * would never be replayed, so it fails here. */
static void all_registered(void **state)
{
	(void)state;
	const char *dirs[] = { "", "corpus" };
	for (size_t k = 0; k < 2; k++) {
		char dir[1024];
		corpus_dir("", dir, sizeof dir);
		dir[strlen(dir) - strlen("corpus/")] = 0; /* tests/fuzz/ */
		strncat(dir, dirs[k], sizeof dir - strlen(dir) - 1);
		DIR *d = opendir(dir);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t len = strlen(e->d_name);
			if (strncmp(e->d_name, "fuzz_", 5) != 0)
				continue;
			if (k == 0 && (len < 3 || strcmp(e->d_name + len - 2, ".c") != 0))
				continue;
			if (k == 0)
				len -= 2;
			if (!known(e->d_name, len))
				fprintf(stderr, "%s%s%s: not in test_fuzz_corpus.c's table\n", dir, k ? "/" : "",
					e->d_name);
			assert_true(known(e->d_name, len));
		}
		closedir(d);
	}
}

static void replay(void **state)
{
	const struct target *t = *state;
	char dir[1024], path[2048];
	corpus_dir(t->name, dir, sizeof dir);
	DIR *d = opendir(dir);
	if (!d)
		fprintf(stderr, "cannot open %s (run from the source tree or set IPL_SRCDIR)\n", dir);
	assert_non_null(d);
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		uint8_t *buf = malloc(1 << 20);
		assert_non_null(buf);
		size_t len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		/* an exact-size copy, so an overread is an overread under ASan */
		uint8_t *in = malloc(len ? len : 1);
		assert_non_null(in);
		memcpy(in, buf, len);
		free(buf);
		assert_int_equal(t->fn(in, len), 0);
		free(in);
		n++;
	}
	closedir(d);
	fprintf(stderr, "%s: %u inputs replayed\n", t->name, n);
	assert_true(n > 0);
}

int main(void)
{
	struct CMUnitTest tests[NTARGETS + 1];
	for (size_t i = 0; i < NTARGETS; i++)
		tests[i] = (struct CMUnitTest){ .name = targets[i].name,
						.test_func = replay,
						.initial_state = (void *)&targets[i] };
	tests[NTARGETS] = (struct CMUnitTest){ .name = "all_registered", .test_func = all_registered };
	return _cmocka_run_group_tests("fuzz_corpus", tests, NTARGETS + 1, NULL, NULL);
}
