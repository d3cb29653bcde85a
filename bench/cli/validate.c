/* validate.c - what `ipclab bench` checks before the first run: a mistake
 * found after minutes of measuring costs those minutes, and an option that
 * is dropped without a word makes a table that does not say what it
 * claims.  Each check fails with one line naming the option. */
#include "bench/cli/args.h"
#include "bench/cli/bind.h"
#include "bench/cli/grid.h"
#include "bench/registry/registry.h"
#include "bench/cli/xhost.h"
#include "bench/registry/registry.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The carrier an entry runs over, for comparisons: NULL means unix. */
static const struct ipl_transport *carrier(const struct ipl_transport *tp, const struct ipl_transport *via)
{
	return (tp->caps & IPL_CAP_LAYERED) ? ipl_effective_carrier(tp, via) : NULL;
}

/* "shm-spin", "rpc/tcp-peer": the label the table prints for entry k. */
static const char *entry_label(const struct ipl_bench_opts *o, size_t k, char *buf, size_t len)
{
	const struct ipl_transport *tp = o->mech[k];
	char mech[IPL_LABEL_MAX];
	snprintf(buf, len, "%s%s%s", ipl_mech_label(mech, sizeof mech, tp, o->mvia[k], o->peer[k]),
		 (tp->caps & IPL_CAP_SPIN) ? "-" : "",
		 (tp->caps & IPL_CAP_SPIN) ? ipl_wait_name(o->mwait[k]) : "");
	return buf;
}

/* --pattern, --wait and --via reach every entry whose label did not name
 * its own; each of them must reach at least one, or it does not apply. */
static int apply_globals(struct ipl_bench_opts *o, char *err, size_t len)
{
	int wait_used = 0, via_used = 0, pat_used = 0;
	size_t n = o->nmech;
	struct ipl_bench_opts in = *o;
	o->nmech = 0;
	for (size_t i = 0; i < n; i++) {
		int spin = (in.mech[i]->caps & IPL_CAP_SPIN) != 0,
		    layered = (in.mech[i]->caps & IPL_CAP_LAYERED) != 0;
		wait_used |= spin && !in.own_wait[i];
		via_used |= layered && !in.own_via[i];
		pat_used |= !in.own_peer[i];
		for (int p = 0; p < 2; p++) {
			if (in.own_peer[i] ? !p : !(p ? o->pat_peer : o->pat_cs))
				continue;
			if (o->nmech == IPL_LIST_MAX)
				return fail(err, len, "-m: too many mechanisms x patterns (at most %d)",
					    IPL_LIST_MAX);
			size_t k = o->nmech++;
			o->mech[k] = in.mech[i];
			o->peer[k] = p;
			o->own_peer[k] = in.own_peer[i];
			o->mwait[k] = in.own_wait[i] ? in.mwait[i] : o->wait;
			o->mvia[k] = in.own_via[i] ? in.mvia[i] : o->via;
		}
	}
	char names[200];
	if (o->set_wait && !wait_used)
		return fail(err, len,
			    "--wait %s does not apply: no mechanism in -m has a wait policy left to set "
			    "(only %s has one)",
			    ipl_wait_name(o->wait), ipl_names_with_caps(names, sizeof names, IPL_CAP_SPIN));
	if (o->set_via && !via_used)
		return fail(err, len,
			    "--via %s does not apply: no mechanism in -m has a carrier left to set "
			    "(only %s run over one)",
			    o->via->name, ipl_names_with_caps(names, sizeof names, IPL_CAP_LAYERED));
	int dgram_rpc = 0;
	for (size_t k = 0; k < o->nmech; k++)
		dgram_rpc |= ipl_bench_rpc_semantics(o, o->mech[k], o->mvia[k], 0) != NULL;
	if (o->set_semantics && !dgram_rpc)
		return fail(err, len,
			    "--rpc-semantics does not apply: no -m entry is rpc over a datagram carrier "
			    "(rpc --via udp; a stream delivers each call once)");
	if (o->set_pattern && !pat_used)
		return fail(err, len, "--pattern does not apply: every -m entry names its own pattern (-peer)");
	return 0;
}

static int wants_stream(const struct ipl_bench_opts *o)
{
	for (size_t m = 0; m < o->nmodes; m++)
		if (o->modes[m] == IPL_MODE_STREAM)
			return 1;
	return 0;
}

/* A layer that cannot use the carrier given (oncrpc: libtirpc needs a
 * socket) is refused here, with the carriers it can use; so is a stream
 * that a datagram client cannot send. */
static int check_carriers(const struct ipl_bench_opts *o, char *err, size_t len)
{
	int stream = wants_stream(o);
	for (size_t i = 0; i < o->nmech; i++) {
		const struct ipl_transport *tp = o->mech[i], *car = carrier(tp, o->mvia[i]);
		char names[200];
		if (car && !ipl_carrier_usable(tp, car))
			return fail(err, len, "--via %s: %s runs over %s only", car->name, tp->name,
				    ipl_carriers_for(names, sizeof names, tp));
		if (!stream)
			continue;
		/* a datagram mechanism's client has no one-way stream (common/client.c):
		 * a lost datagram there could be neither counted nor told apart */
		if (!car && (tp->caps & IPL_CAP_DATAGRAM))
			return fail(err, len,
				    "--mode stream: %s sends datagrams and has no one-way stream "
				    "(--mode throughput keeps a window of them in flight)",
				    tp->name);
		/* libtirpc's datagram client sends no call that expects no reply */
		if (ipl_layer_over_datagrams(tp, car, "oncrpc"))
			return fail(err, len,
				    "--mode stream: oncrpc over %s cannot stream (libtirpc's datagram client "
				    "never sends a call without waiting for its reply)",
				    car->name);
	}
	return 0;
}

static int same_entry(const struct ipl_bench_opts *o, size_t a, size_t b)
{
	const struct ipl_transport *tp = o->mech[a];
	return tp == o->mech[b] && o->peer[a] == o->peer[b] &&
	       (!(tp->caps & IPL_CAP_SPIN) || o->mwait[a] == o->mwait[b]) &&
	       carrier(tp, o->mvia[a]) == carrier(tp, o->mvia[b]);
}

/* A configuration named twice would run twice and print two rows that
 * look like a mistake: merge, and say so. */
static void merge_duplicates(struct ipl_bench_opts *o)
{
	size_t n = 0;
	char label[96];
	for (size_t i = 0; i < o->nmech; i++) {
		size_t j = 0;
		while (j < n && !same_entry(o, j, i))
			j++;
		if (j < n) {
			if (!o->quiet)
				fprintf(stderr, "note: -m names %s twice: merged\n",
					entry_label(o, i, label, sizeof label));
			continue;
		}
		o->mech[n] = o->mech[i], o->peer[n] = o->peer[i], o->own_peer[n] = o->own_peer[i];
		o->mwait[n] = o->mwait[i], o->mvia[n] = o->mvia[i];
		n++;
	}
	o->nmech = n;
	uint64_t *lists[2] = { o->sizes, o->clients };
	size_t *counts[2] = { &o->nsizes, &o->nclients };
	static const char *const names[2] = { "-s", "--clients" };
	for (int l = 0; l < 2; l++) {
		size_t m = 0;
		for (size_t i = 0; i < *counts[l]; i++) {
			size_t j = 0;
			while (j < m && lists[l][j] != lists[l][i])
				j++;
			if (j < m && !o->quiet)
				fprintf(stderr, "note: %s lists %llu twice: merged\n", names[l],
					(unsigned long long)lists[l][i]);
			if (j == m)
				lists[l][m++] = lists[l][i];
		}
		*counts[l] = m;
	}
}

/* --pipe-size / --sockbuf: some entry applies each knob given, and the
 * kernel grants it to this process (a probe pipe or socket pair): a refusal
 * (fs.pipe-user-pages-hard) is one line now, not a failed row later. */
static int check_knobs(const struct ipl_bench_opts *o, char *err, size_t len)
{
	const unsigned knob[2] = { IPL_KNOB_PIPE_SIZE, IPL_KNOB_SOCKBUF };
	const uint32_t asked[2] = { o->pipe_size, o->sockbuf };
	for (int k = 0; k < 2; k++) {
		if (!asked[k])
			continue;
		if (ipl_knob_applies(knob[k], o->mech, o->nmech, err, len) < 0)
			return -1;
		if (ipl_knob_probe(knob[k], asked[k], err, len) < 0)
			return -1;
	}
	return 0;
}

/* Options that do not change what runs are refused, not dropped. */
static int check_applies(const struct ipl_bench_opts *o, char *err, size_t len)
{
	if (o->wide && o->fmt != IPL_FMT_TABLE)
		return fail(err, len, "--wide does not apply: it widens the table, and -f asks for %s",
			    o->fmt == IPL_FMT_CSV    ? "csv"
			    : o->fmt == IPL_FMT_JSON ? "json"
						     : "md (always every column)");
	if (o->save_histograms && o->fmt != IPL_FMT_JSON && !o->save)
		return fail(err, len,
			    "--save-histograms does not apply: it adds to the JSON, and none is written "
			    "(-f json or --save)");
	if (o->set_iters && o->set_duration)
		return fail(err, len, "-n and --duration both set how long a run is: give one of them");
	int thr = 0, load = 0;
	for (size_t i = 0; i < o->nmodes; i++) {
		thr |= o->modes[i] == IPL_MODE_THROUGHPUT;
		load |= o->modes[i] == IPL_MODE_LOAD;
	}
	if (o->set_window && !thr && !load)
		return fail(err, len,
			    "--window does not apply: it is the requests in flight of --mode throughput "
			    "or load, and neither mode is chosen");
	if (o->set_rate && !load)
		return fail(err, len,
			    "--rate does not apply: it is the offered load of --mode load, which is not chosen");
	if (load && !o->nrates)
		return fail(err, len, "--mode load needs --rate R[,R...] (msgs/s offered, all clients together)");
	for (size_t i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > o->cap)
			return fail(err, len, "-s: size %llu is over the cap %llu (raise --cap)",
				    (unsigned long long)o->sizes[i], (unsigned long long)o->cap);
	int peer = 0;
	for (size_t i = 0; i < o->nmech; i++)
		peer |= o->peer[i];
	for (size_t i = 0; peer && i < o->nclients; i++)
		if (o->clients[i] != 1)
			return fail(err, len,
				    "--clients: the peer pattern is two processes, one client each: use "
				    "--clients 1");
	if (o->connect && o->baseline)
		return fail(err, len,
			    "--baseline needs to start its own raw server: it cannot be used with --connect");
	if (o->connect && peer)
		return fail(err, len, "--pattern peer starts both peers itself: it cannot be used with --connect");
	if (o->set_server && (o->connect || peer))
		return fail(err, len, "--server does not apply: %s",
			    o->connect ? "with --connect the server is already running (ipclab serve --server)"
				       : "the peer pattern serves from a thread of each peer");
	if (ipl_server_model_applies(o->server, o->mech, o->nmech, err, len) < 0)
		return -1;
	return 0;
}

static int check_connect(const struct ipl_bench_opts *o, char *err, size_t len)
{
	if (o->nmech != 1)
		return fail(err, len, "--connect needs exactly one mechanism (-m)");
	const struct ipl_transport *tp = o->mech[0], *car = ipl_effective_carrier(tp, o->mvia[0]);
	if (!(tp->caps & IPL_CAP_NAMED) || !car || !(car->caps & IPL_CAP_NAMED) ||
	    (car->caps & IPL_CAP_NEEDS_FORK))
		return fail(err, len,
			    "--connect: %s has no address to connect to: it only joins processes it forks "
			    "itself",
			    car && car != tp ? car->name : tp->name);
	/* a local-only mechanism pointed at HOST:PORT: refuse with the reason */
	if (ipl_connect_check(tp, o->mvia[0], o->connect, err, len) < 0)
		return -1;
	return ipl_check_connect_addr(tp, o->mvia[0], o->connect, err, len);
}

/* --connect HOST (no port) for rpc over tcp or udp: HOST's rpcbind says
 * the port (bind.c), and the carrier is then tcp (or the udp asked for). */
static int lookup_host(struct ipl_bench_opts *o, char *err, size_t len)
{
	static char found[IPL_ADDR_MAX];
	const struct ipl_transport *tcp = ipl_transport_find("tcp"), *udp = ipl_transport_find("udp");
	if (o->nmech != 1 || !(o->mech[0]->caps & IPL_CAP_LAYERED) || !ipl_bind_is_host(o->connect) ||
	    (o->mvia[0] && o->mvia[0] != tcp && o->mvia[0] != udp))
		return 0;
	int over_udp = o->mvia[0] && o->mvia[0] == udp;
	if (ipl_bind_lookup(o->connect, over_udp ? "udp" : "tcp", found, sizeof found, err, len) < 0)
		return -1;
	o->connect = found;
	o->mvia[0] = over_udp ? udp : tcp;
	return 0;
}

/* Every file the run will write: checked now, written after the run. */
static int check_outputs(const struct ipl_bench_opts *o, char *err, size_t len)
{
	static const char *const ext[] = { ".csv", ".json", ".md" };
	char path[4096], msg[4096];
	for (size_t i = 0; o->save && i < 3; i++) {
		if (snprintf(path, sizeof path, "%s%s", o->save, ext[i]) >= (int)sizeof path)
			return fail(err, len, "--save %s: the name is too long", o->save);
		if (ipl_check_writable(path, msg, sizeof msg) < 0)
			return fail(err, len, "--save %s: %s", o->save, msg);
		if (o->out && !strcmp(o->out, path))
			return fail(err, len, "-o %s: --save writes that file too", o->out);
	}
	if (o->out && ipl_check_writable(o->out, msg, sizeof msg) < 0)
		return fail(err, len, "-o %s: %s", o->out, msg);
	if (o->samples && ipl_check_writable(o->samples, msg, sizeof msg) < 0)
		return fail(err, len, "--samples %s: %s", o->samples, msg);
	if (o->samples && o->out && !strcmp(o->samples, o->out))
		return fail(err, len, "--samples %s: -o writes that file too", o->samples);
	for (size_t i = 0; o->samples && o->save && i < 3; i++)
		if (snprintf(path, sizeof path, "%s%s", o->save, ext[i]) < (int)sizeof path &&
		    !strcmp(path, o->samples))
			return fail(err, len, "--samples %s: --save writes that file too", o->samples);
	return 0;
}

/* --samples writes one row: each option that would make several is
 * refused, naming it (which row was meant is not guessed). */
static int check_samples(const struct ipl_bench_opts *o, char *err, size_t len)
{
	static const char one[] = "--samples writes the samples of one row";
	size_t rates = o->modes[0] == IPL_MODE_LOAD ? o->nrates : 1;
	if (o->nmech != 1)
		return fail(err, len, "%s: -m and --pattern give %zu mechanisms (name one with -m)", one,
			    o->nmech);
	if (o->nsizes != 1)
		return fail(err, len, "%s: -s gives %zu sizes (give one)", one, o->nsizes);
	if (o->nmodes != 1)
		return fail(err, len, "%s: --mode gives %zu modes (give one)", one, o->nmodes);
	if (o->nclients != 1)
		return fail(err, len, "%s: --clients gives %zu counts (give one)", one, o->nclients);
	if (o->ncpu > 1)
		return fail(err, len, "%s: --cpu gives %zu placements (give one)", one, o->ncpu);
	if (rates != 1)
		return fail(err, len, "%s: --rate gives %zu rates (give one)", one, rates);
	if (o->baseline)
		return fail(err, len, "%s: --baseline adds a raw row to each", one);
	if (!ipl_mode_timed(o->modes[0]))
		return fail(err, len, "--samples: --mode %s times no single message (latency or load only)",
			    ipl_mode_name(o->modes[0]));
	return 0;
}

int ipl_bench_validate(struct ipl_bench_opts *o, char *err, size_t errlen)
{
	if (apply_globals(o, err, errlen) < 0 || check_carriers(o, err, errlen) < 0)
		return -1;
	merge_duplicates(o);
	if (check_applies(o, err, errlen) < 0 || check_knobs(o, err, errlen) < 0)
		return -1;
	if (o->connect && lookup_host(o, err, errlen) < 0)
		return -1;
	if (o->connect && check_connect(o, err, errlen) < 0)
		return -1;
	if (o->samples && check_samples(o, err, errlen) < 0)
		return -1;
	return check_outputs(o, err, errlen);
}

int ipl_check_writable(const char *path, char *err, size_t len)
{
	struct stat st;
	if (!*path)
		return fail(err, len, "an empty file name");
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return fail(err, len, "'%s' is a directory", path);
		if (access(path, W_OK) < 0)
			return fail(err, len, "cannot write '%s': %s", path, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return fail(err, len, "cannot write '%s': %s", path, strerror(errno));
	char *copy = strdup(path);
	if (!copy)
		return fail(err, len, "out of memory");
	const char *dir = dirname(copy);
	int rc = 0;
	if (stat(dir, &st) < 0)
		rc = fail(err, len, "cannot write '%s': no directory '%s'", path, dir);
	else if (!S_ISDIR(st.st_mode))
		rc = fail(err, len, "cannot write '%s': '%s' is not a directory", path, dir);
	else if (access(dir, W_OK | X_OK) < 0)
		rc = fail(err, len, "cannot create files in '%s': %s", dir, strerror(errno));
	free(copy);
	return rc;
}

/* The address check of the transport that owns the address (a layered
 * one's carrier), prefixed with the option and the address. */
static int check_addr(const char *opt, const struct ipl_transport *tp, const struct ipl_transport *via,
		      const char *addr, char *err, size_t len)
{
	const struct ipl_transport *car = ipl_effective_carrier(tp, via);
	char why[200];
	if (!*addr)
		return fail(err, len, "%s: an empty address", opt);
	if (!car || !car->check_addr || car->check_addr(addr, !strcmp(opt, "--listen"), why, sizeof why) == 0)
		return 0;
	return fail(err, len, "%s %s: %s", opt, addr, why);
}

int ipl_check_listen_addr(const struct ipl_transport *tp, const struct ipl_transport *via,
			  const char *addr, char *err, size_t len)
{
	return check_addr("--listen", tp, via, addr, err, len);
}

int ipl_check_connect_addr(const struct ipl_transport *tp, const struct ipl_transport *via,
			   const char *addr, char *err, size_t len)
{
	return check_addr("--connect", tp, via, addr, err, len);
}
