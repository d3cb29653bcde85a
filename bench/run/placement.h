/* run/placement.h - where the two ends of a run are pinned. */
#ifndef IPL_PLACEMENT_H
#define IPL_PLACEMENT_H

/* Pins the calling process to cpu (no-op for cpu < 0).  Returns 0 or -errno. */
int ipl_pin_cpu(int cpu);

/* "same-core", "cross-core", "half-pinned" or "unpinned". */
const char *ipl_placement_name(int cpu_client, int cpu_server);

#endif
