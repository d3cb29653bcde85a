/* placement.c - where the two ends of a run are pinned, and its name. */
#include "bench/run/placement.h"

#include <errno.h>
#include <sched.h>

int ipl_pin_cpu(int cpu)
{
	if (cpu < 0)
		return 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set) < 0 ? -errno : 0;
}

const char *ipl_placement_name(int c, int s)
{
	if (c < 0 && s < 0)
		return "unpinned";
	if (c < 0 || s < 0)
		return "half-pinned";
	return c == s ? "same-core" : "cross-core";
}
