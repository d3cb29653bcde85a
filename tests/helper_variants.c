/* helper_variants.c - every transport configuration the conformance suite
 * runs against.  A new transport (or a new option of one) adds a line here;
 * test_conformance's registry case fails until it does. */
#include "fixture.h"

const struct ipl_test_variant ipl_test_variants[] = {
	{ .name = "tcp", .tp = "tcp" },
	{ .name = "unix", .tp = "unix" },
	{ .name = "pipe", .tp = "pipe" },
	{ .name = "fifo", .tp = "fifo" },
	{ .name = "shm-block", .tp = "shm", .opts = { .wait = IPL_WAIT_BLOCK } },
	{ .name = "shm-spin", .tp = "shm", .opts = { .wait = IPL_WAIT_SPIN } },
	{ .name = "shm-hybrid", .tp = "shm", .opts = { .wait = IPL_WAIT_HYBRID } },
};

const size_t ipl_test_nvariants = sizeof ipl_test_variants / sizeof ipl_test_variants[0];
