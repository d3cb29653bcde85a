/* test_registry.c - every table the registry lists keeps the contract of
 * common/transport.h, whatever mechanism is added later: a unique name, a
 * summary, every mandatory op, optional ops in their documented pairs, a
 * usable default carrier for a layered transport, and the capabilities a
 * layered transport takes from its carrier. */
#include "bench/registry/registry.h"
#include "common/transport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Every bit enum ipl_cap defines. */
#define KNOWN_CAPS                                                                        \
	(IPL_CAP_NEEDS_FORK | IPL_CAP_CROSS_HOST | IPL_CAP_NAMED | IPL_CAP_MULTI_CLIENT | \
	 IPL_CAP_SPIN | IPL_CAP_LAYERED | IPL_CAP_BYTES | IPL_CAP_DATAGRAM)

/* Counts a broken rule of transport tp, naming it: one run lists them all. */
static int check(const struct ipl_transport *tp, const char *what, int ok)
{
	if (!ok)
		fprintf(stderr, "transport '%s': %s\n", tp->name ? tp->name : "(null)", what);
	return !ok;
}

/* ---- names -------------------------------------------------------------- */

static void names_unique_and_found(void **state)
{
	(void)state;
	size_t n = ipl_transport_count();
	assert_true(n > 0);
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ipl_transport *tp = ipl_transport_at(i);
		assert_non_null(tp);
		bad += check(tp, "name is NULL or empty", tp->name && tp->name[0]);
		bad += check(tp, "summary is NULL or empty", tp->summary && tp->summary[0]);
		if (!tp->name)
			continue;
		for (size_t k = 0; k < i; k++)
			bad += check(tp, "name used twice", strcmp(ipl_transport_at(k)->name, tp->name) != 0);
		bad += check(tp, "ipl_transport_find(name) returns another table",
			     ipl_transport_find(tp->name) == tp);
	}
	assert_int_equal(bad, 0);
	assert_null(ipl_transport_at(n));
	assert_null(ipl_transport_find("no-such-transport"));
	assert_null(ipl_transport_find(""));
}

/* ---- ops ---------------------------------------------------------------- */

/* The ops transport.h calls mandatory: the wrappers call them unchecked. */
static int check_mandatory(const struct ipl_transport *tp)
{
	int bad = 0;
	bad += check(tp, "prepare is NULL", tp->prepare != NULL);
	bad += check(tp, "attach_server is NULL", tp->attach_server != NULL);
	bad += check(tp, "accept is NULL", tp->accept != NULL);
	bad += check(tp, "attach_client is NULL", tp->attach_client != NULL);
	bad += check(tp, "send is NULL", tp->send != NULL);
	bad += check(tp, "recv is NULL", tp->recv != NULL);
	bad += check(tp, "detach is NULL", tp->detach != NULL);
	bad += check(tp, "release is NULL", tp->release != NULL);
	bad += check(tp, "cleanup is NULL", tp->cleanup != NULL);
	return bad;
}

/* The optional ops transport.h documents as "both or neither": msgio uses
 * one of a pair only when the other is there too. */
static int check_pairs(const struct ipl_transport *tp)
{
	int bad = 0;
	bad += check(tp, "peek without consume, or consume without peek", !tp->peek == !tp->consume);
	bad += check(tp, "reserve without commit, or commit without reserve", !tp->reserve == !tp->commit);
	/* a layer's addresses are its carrier's: the caller asks the carrier */
	int layered = (tp->caps & IPL_CAP_LAYERED) != 0;
	bad += check(tp, "layered, yet checks addresses itself", !layered || !tp->check_addr);
	bad += check(tp, "carrier_ok on a transport that is not layered", layered || !tp->carrier_ok);
	return bad;
}

static void every_table_has_its_ops(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const struct ipl_transport *tp = ipl_transport_at(i);
		bad += check_mandatory(tp);
		bad += check_pairs(tp);
		bad += check(tp, "caps has bits enum ipl_cap does not define",
			     (tp->caps & ~(unsigned)KNOWN_CAPS) == 0);
	}
	assert_int_equal(bad, 0);
}

/* ---- carriers and capabilities ------------------------------------------ */

/* A layered transport runs over a default carrier that is itself a plain
 * byte stream; a plain transport has no carrier and keeps its own caps. */
static void carriers(void **state)
{
	(void)state;
	int bad = 0;
	const struct ipl_transport *def = ipl_default_carrier();
	assert_non_null(def);
	assert_ptr_equal(ipl_transport_find(def->name), def);
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const struct ipl_transport *tp = ipl_transport_at(i);
		const struct ipl_transport *car = ipl_carrier_of(tp, NULL);
		if (!(tp->caps & IPL_CAP_LAYERED)) {
			bad += check(tp, "not layered, yet has a carrier", car == NULL);
			bad += check(tp, "not layered, yet its effective caps differ from its own",
				     ipl_effective_caps(tp, NULL) == tp->caps);
			continue;
		}
		bad += check(tp, "layered without a default carrier", car != NULL);
		if (!car)
			continue;
		bad += check(tp, "default carrier is layered itself", !(car->caps & IPL_CAP_LAYERED));
		bad += check(tp, "default carrier is not a byte stream", (car->caps & IPL_CAP_BYTES) != 0);
		bad += check(tp, "default carrier is not registered", ipl_transport_find(car->name) == car);
		bad += check(tp, "carrier_of ignores an explicit via", ipl_carrier_of(tp, tp) == tp);
	}
	assert_int_equal(bad, 0);
}

/* The carriers a layer can use, as messages name them: oncrpc's come from
 * its carrier_ok (sockets: tcp, udp, unix), rpc takes every plain byte stream. */
static void usable_carriers(void **state)
{
	(void)state;
	char buf[200];
	const struct ipl_transport *rpc = ipl_transport_find("rpc"), *onc = ipl_transport_find("oncrpc");
	assert_non_null(rpc);
	assert_true(ipl_carrier_usable(rpc, ipl_transport_find("fifo")));
	assert_string_equal(ipl_names_with_caps(buf, sizeof buf, IPL_CAP_SPIN), "shm");
	if (!onc)
		return;
	assert_false(ipl_carrier_usable(onc, ipl_transport_find("fifo")));
	assert_true(ipl_carrier_usable(onc, ipl_transport_find("tcp")));
	assert_true(ipl_carrier_usable(onc, ipl_transport_find("udp")));
	assert_string_equal(ipl_carriers_for(buf, sizeof buf, onc), "tcp, udp or unix");
	/* every layer is named, the last after " and " */
	ipl_names_with_caps(buf, sizeof buf, IPL_CAP_LAYERED);
	assert_true(!strncmp(buf, "rpc, ", 5) || !strncmp(buf, "rpc and ", 8));
	assert_non_null(strstr(buf, "oncrpc"));
	assert_non_null(strstr(buf, " and "));
}

/* rpc takes NEEDS_FORK, CROSS_HOST and NAMED from the carrier it runs over. */
static void layered_caps_follow_the_carrier(void **state)
{
	(void)state;
	const struct ipl_transport *rpc = ipl_transport_find("rpc");
	const struct ipl_transport *pip = ipl_transport_find("pipe");
	const struct ipl_transport *tcp = ipl_transport_find("tcp");
	const struct ipl_transport *unx = ipl_transport_find("unix");
	assert_non_null(rpc);
	assert_non_null(pip);
	assert_non_null(tcp);
	assert_non_null(unx);

	unsigned over_pipe = ipl_effective_caps(rpc, pip);
	assert_true(over_pipe & IPL_CAP_NEEDS_FORK);
	assert_false(over_pipe & IPL_CAP_NAMED);
	assert_false(over_pipe & IPL_CAP_CROSS_HOST);
	assert_true(over_pipe & IPL_CAP_LAYERED); /* its own caps stay */

	unsigned over_tcp = ipl_effective_caps(rpc, tcp);
	assert_true(over_tcp & IPL_CAP_CROSS_HOST);
	assert_true(over_tcp & IPL_CAP_NAMED);
	assert_false(over_tcp & IPL_CAP_NEEDS_FORK);

	/* no via: the default carrier's (unix: named, one host, no fork) */
	assert_int_equal(ipl_effective_caps(rpc, NULL), ipl_effective_caps(rpc, ipl_default_carrier()));
	unsigned over_unix = ipl_effective_caps(rpc, unx);
	assert_true(over_unix & IPL_CAP_NAMED);
	assert_false(over_unix & (IPL_CAP_CROSS_HOST | IPL_CAP_NEEDS_FORK));

	assert_int_equal(ipl_effective_caps(NULL, NULL), 0);
	assert_null(ipl_carrier_of(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_unique_and_found),
		cmocka_unit_test(every_table_has_its_ops),
		cmocka_unit_test(usable_carriers),
		cmocka_unit_test(carriers),
		cmocka_unit_test(layered_caps_follow_the_carrier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
