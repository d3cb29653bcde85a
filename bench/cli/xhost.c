/* xhost.c - the "can this mechanism reach that address" rule (see xhost.h). */
#include "bench/cli/xhost.h"
#include "bench/registry/registry.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 5)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Letters, digits, dots, dashes: a host name or an IPv4 address. */
static int hostish(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

/* Hex digits, colons, dots, an optional %scope: an IPv6 literal. */
static int v6ish(const char *s, size_t n)
{
	unsigned colons = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%')
			return colons >= 2 && i + 1 < n; /* scope: interface name follows */
		if (s[i] == ':')
			colons++;
		else if (!isxdigit((unsigned char)s[i]) && s[i] != '.')
			return 0;
	}
	return colons >= 2;
}

/* Splits a network-looking addr into its host part; 0 if it is not one. */
static int net_host(const char *addr, char *host, size_t hostlen)
{
	size_t n = strlen(addr);
	const char *h = NULL;
	size_t hl = 0;
	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');
		if (!rb || !v6ish(addr + 1, (size_t)(rb - addr - 1)))
			return 0;
		if (rb[1] && (rb[1] != ':' || !all_digits(rb + 2, strlen(rb + 2))))
			return 0;
		h = addr + 1, hl = (size_t)(rb - addr - 1);
	} else if (v6ish(addr, n)) {
		h = addr, hl = n;
	} else {
		const char *colon = strrchr(addr, ':');
		if (!colon || !all_digits(colon + 1, strlen(colon + 1)) ||
		    !hostish(addr, (size_t)(colon - addr)))
			return 0;
		h = addr, hl = (size_t)(colon - addr);
	}
	if (hl >= hostlen)
		hl = hostlen - 1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	return 1;
}

/* Whether a numeric address is one of this host's: bind(2) to it succeeds
 * only then (wildcards too, which a client also reaches locally). */
static int numeric_is_local(const char *host)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res;
	if (getaddrinfo(host, "0", &hints, &res) != 0)
		return -1; /* not numeric */
	int local = 0;
	int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		local = bind(fd, res->ai_addr, res->ai_addrlen) == 0 || errno == EADDRINUSE;
		close(fd);
	}
	freeaddrinfo(res);
	return local;
}

static int name_is_local(const char *host)
{
	char me[256] = "";
	size_t n = strlen(host);
	if (!*host || !strcasecmp(host, "localhost") || (n > 10 && !strcasecmp(host + n - 10, ".localhost")))
		return 1;
	if (gethostname(me, sizeof me - 1) == 0 && !strcasecmp(host, me))
		return 1;
	return 0;
}

enum ipl_addr_kind ipl_addr_classify(const char *addr)
{
	char host[256];
	struct stat st;
	if (!addr || !*addr || !net_host(addr, host, sizeof host))
		return IPL_ADDR_NAME;
	if (lstat(addr, &st) == 0) /* an existing file of that name: the file system wins */
		return IPL_ADDR_NAME;
	int local = numeric_is_local(host);
	if (local < 0)
		local = name_is_local(host);
	return local ? IPL_ADDR_NET_LOCAL : IPL_ADDR_NET_REMOTE;
}

const struct ipl_transport *ipl_effective_carrier(const struct ipl_transport *tp, const struct ipl_transport *via)
{
	const struct ipl_transport *car = ipl_carrier_of(tp, via);
	return car ? car : tp;
}

int ipl_connect_check(const struct ipl_transport *tp, const struct ipl_transport *via, const char *addr,
		      char *err, size_t errlen)
{
	const struct ipl_transport *car = ipl_effective_carrier(tp, via);
	if (!car || (car->caps & IPL_CAP_CROSS_HOST))
		return 0;
	enum ipl_addr_kind k = ipl_addr_classify(addr);
	if (k == IPL_ADDR_NAME)
		return 0;
	char what[64];
	if (car == tp)
		snprintf(what, sizeof what, "%s", tp->name);
	else
		snprintf(what, sizeof what, "%s over %s", tp->name, car->name);
	if (k == IPL_ADDR_NET_REMOTE)
		snprintf(err, errlen,
			 "%s cannot cross hosts: '%s' is a network address (HOST:PORT) and %s only "
			 "reaches names on this host; use -m tcp%s",
			 what, addr, car->name,
			 (tp->caps & IPL_CAP_LAYERED) ? " or --via tcp" : " or -m rpc --via tcp");
	else
		snprintf(err, errlen,
			 "%s connects to a name on this host (a path), not to HOST:PORT '%s'; use -m tcp%s",
			 what, addr, (tp->caps & IPL_CAP_LAYERED) ? " or --via tcp" : "");
	return -1;
}
