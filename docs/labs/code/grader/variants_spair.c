/* variants_spair.c - lab 4's grader: the conformance suite's variant list
 * (in place of tests/helper_variants.c) with the student's mechanism only.
 * The student's table is not in ipclab's registry, so the lookups the suite
 * makes are wrapped (-Wl,--wrap=ipl_transport_find,--wrap=ipl_transport_count):
 * "spair" finds the student's table, and the registry looks empty, so the
 * suite's "every registered transport has a variant" case checks only that
 * "spair" is found. */
#include "common/transport.h"
#include "tests/fixture.h"

#include <stddef.h>
#include <string.h>

extern const struct ipl_transport ipl_spair_transport;

const struct ipl_transport *__real_ipl_transport_find(const char *name);
const struct ipl_transport *__wrap_ipl_transport_find(const char *name);
size_t __wrap_ipl_transport_count(void);

const struct ipl_transport *__wrap_ipl_transport_find(const char *name)
{
	if (name && strcmp(name, ipl_spair_transport.name) == 0)
		return &ipl_spair_transport;
	return __real_ipl_transport_find(name);
}

size_t __wrap_ipl_transport_count(void)
{
	return 0;
}

const struct ipl_test_variant ipl_test_variants[] = {
	{ .name = "spair", .tp = "spair" },
};

const size_t ipl_test_nvariants = sizeof ipl_test_variants / sizeof ipl_test_variants[0];
