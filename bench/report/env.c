/* env.c - the machine a result was measured on (env.h): version, kernel,
 * CPU and the clock settings that change what a figure means.
 *
 * The Makefile writes IPL_GIT_REV and IPL_BUILD_FLAGS into ipl_config.h,
 * refreshed on every make so a rebuilt binary never reports the revision
 * of an older one. */
#include "ipl_config.h"
#include "bench/report/env.h"
#include "common/transport.h"
#include "bench/registry/registry.h"

#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* First line of a sysfs file, or "unknown"; returns 0 when it was read. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int rc = -1;
	snprintf(buf, len, "unknown");
	if (!f)
		return -1;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		rc = 0;
	}
	fclose(f);
	return rc;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "model name", 10)) {
			char *v = strchr(line, ':');
			if (v) {
				v += 1 + (v[1] == ' ');
				v[strcspn(v, "\n")] = '\0';
				snprintf(buf, len, "%s", v);
			}
			break;
		}
	}
	fclose(f);
}

/* Governor and turbo/boost, null where the kernel does not expose them
 * (most virtual machines): a figure measured at a changing clock is not
 * the figure of a fixed one. */
static void cpufreq_json(struct ipl_json *j)
{
	char gov[64], v[16];
	int got = read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", gov, sizeof gov) == 0;
	ipl_json_key(j, "cpufreq_governor");
	ipl_json_string_or_null(j, got ? gov : NULL);
	ipl_json_key(j, "turbo");
	if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", v, sizeof v) == 0)
		ipl_json_bool(j, v[0] == '0');
	else if (read_line("/sys/devices/system/cpu/cpufreq/boost", v, sizeof v) == 0)
		ipl_json_bool(j, v[0] == '1');
	else
		ipl_json_null(j);
}

static void kv(struct ipl_json *j, const char *key, const char *value)
{
	ipl_json_key(j, key);
	ipl_json_string(j, value);
}

/* "limits": every compiled-in mechanism's limits in force, keyed
 * "<mechanism>.<limit>" (null: not readable here), so the environment says
 * which kernel settings bound the figures without bench/ naming any. */
static void limits_json(struct ipl_json *j)
{
	struct ipl_tp_limit l[16];
	char key[96];
	ipl_json_key(j, "limits");
	ipl_json_begin_object(j, IPL_JSON_INLINE);
	for (size_t i = 0; i < ipl_transport_count(); i++) {
		const struct ipl_transport *tp = ipl_transport_at(i);
		size_t n = tp->limits ? tp->limits(l, sizeof l / sizeof l[0]) : 0;
		for (size_t k = 0; k < n; k++) {
			snprintf(key, sizeof key, "%s.%s", tp->name, l[k].name);
			ipl_json_key(j, key);
			if (l[k].value < 0)
				ipl_json_null(j);
			else
				ipl_json_int(j, l[k].value);
		}
	}
	ipl_json_end_object(j);
}

void ipl_env_json(struct ipl_json *j)
{
	struct utsname u;
	char cpu[256], clk[128], idle[128], kernel[200];
	uname(&u);
	snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
	cpu_model(cpu, sizeof cpu);
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", clk, sizeof clk);
	read_line("/sys/devices/system/cpu/cpuidle/current_driver", idle, sizeof idle);
	ipl_json_begin_object(j, IPL_JSON_INLINE);
	kv(j, "ipclab_version", IPL_VERSION_STRING);
	kv(j, "git_revision", IPL_GIT_REV);
	kv(j, "kernel", kernel);
	kv(j, "hostname", u.nodename);
	kv(j, "cpu_model", cpu);
	ipl_json_key(j, "cores");
	ipl_json_int(j, sysconf(_SC_NPROCESSORS_ONLN));
	kv(j, "clock", "CLOCK_MONOTONIC");
	kv(j, "clocksource", clk);
	kv(j, "cpuidle_driver", idle);
	cpufreq_json(j);
	kv(j, "build_flags", IPL_BUILD_FLAGS);
	limits_json(j);
	ipl_json_end_object(j);
}

void ipl_utc_iso8601(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "unknown");
}

void ipl_version_write(FILE *f)
{
	fprintf(f, "ipclab %s\n", IPL_VERSION_STRING);
	fprintf(f, "git revision: %s\n", IPL_GIT_REV);
	fprintf(f, "build flags:  %s\n", IPL_BUILD_FLAGS);
	/* the registry has oncrpc exactly when libtirpc was found at build time */
	fprintf(f, "libtirpc:     %s\n",
		ipl_transport_find("oncrpc") ? "compiled in (the oncrpc mechanism)"
					     : "not compiled in (no oncrpc mechanism)");
}

void ipl_env_summary(char *buf, size_t len)
{
	struct utsname u;
	char cpu[256];
	uname(&u);
	cpu_model(cpu, sizeof cpu);
	snprintf(buf, len, "%s, %ld cores, Linux %s", cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release);
}
