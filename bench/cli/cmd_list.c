/* cmd_list.c - `ipclab list`: every mechanism with what it can do. */
#include "bench/cli/cli.h"
#include "bench/registry/registry.h"

#include <stdio.h>
#include <string.h>

static void caps_text(unsigned caps, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ IPL_CAP_NEEDS_FORK, "needs-fork" },
		{ IPL_CAP_CROSS_HOST, "cross-host" },
		{ IPL_CAP_NAMED, "named" },
		{ IPL_CAP_MULTI_CLIENT, "multi-client" },
		{ IPL_CAP_SPIN, "spin" },
		{ IPL_CAP_LAYERED, "layered" },
		{ IPL_CAP_BYTES, "byte-stream" },
		{ IPL_CAP_DATAGRAM, "datagram" },
	};
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (caps & names[i].bit)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "", names[i].name);
}

int ipl_cmd_list(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ipclab list\n\nLists every mechanism with its capabilities:\n"
		       "  needs-fork    client and server must come from one fork (pipe)\n"
		       "  cross-host    client and server may be on different hosts\n"
		       "  named         unrelated processes meet by an address (serve/--connect)\n"
		       "  multi-client  one server serves many clients at once\n"
		       "  spin          can busy-poll (not comparable with blocking numbers)\n"
		       "  layered       runs over another mechanism (--via)\n"
		       "  datagram      a message may be lost, late or doubled (counted, never taken\n"
		       "                for another)\n"
		       "  byte-stream   raw bytes reach the peer as sent\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "ipclab list: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	printf("%-10s %-46s %s\n", "name", "capabilities", "description");
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const struct ipl_transport *t = ipl_transport_at(i);
		char caps[200];
		caps_text(t->caps, caps, sizeof caps);
		printf("%-10s %-46s %s\n", t->name, caps, t->summary);
	}
	return 0;
}
