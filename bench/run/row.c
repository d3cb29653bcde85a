/* row.c - what a row of the report is called. */
#include "bench/run/row.h"
#include "bench/registry/registry.h"

#include <stdio.h>

const char *ipl_mech_label(char *buf, size_t len, const struct ipl_transport *tp,
			   const struct ipl_transport *via, int peer)
{
	const struct ipl_transport *car = ipl_carrier_of(tp, via);
	const char *suffix = peer ? "-peer" : "";
	if (car)
		snprintf(buf, len, "%s/%s%s", tp->name, car->name, suffix);
	else
		snprintf(buf, len, "%s%s", tp->name, suffix);
	return buf;
}
