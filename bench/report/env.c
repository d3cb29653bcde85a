#include "ipl_config.h" /* generated: IPL_GIT_REV, IPL_BUILD_FLAGS */
#include "bench/report/env.h"
#include "common/transport.h"
#include "bench/registry/registry.h"

#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The Makefile writes both into build/buildinfo.h, refreshed on every make
 * so a rebuilt binary never reports the revision of an older one. */

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

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void ipl_json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else if (n)
			fwrite(s, 1, n, f);
		else
			fputs("\\ufffd", f); /* not UTF-8: the replacement character */
		s += n ? n : 1;
	}
	fputc('"', f);
}

static void json_kv(FILE *f, const char *k, const char *v, int comma)
{
	fprintf(f, "%s\"%s\": ", comma ? ", " : "", k);
	ipl_json_str(f, v);
}

/* Governor and turbo/boost, null where the kernel does not expose them
 * (most virtual machines): a figure measured at a changing clock is not
 * the figure of a fixed one. */
static void cpufreq_json(FILE *f)
{
	char gov[64], v[16];
	fprintf(f, ", \"cpufreq_governor\": ");
	if (read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", gov, sizeof gov) == 0)
		ipl_json_str(f, gov);
	else
		fputs("null", f);
	fprintf(f, ", \"turbo\": ");
	if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", v, sizeof v) == 0)
		fputs(v[0] == '0' ? "true" : "false", f);
	else if (read_line("/sys/devices/system/cpu/cpufreq/boost", v, sizeof v) == 0)
		fputs(v[0] == '1' ? "true" : "false", f);
	else
		fputs("null", f);
}

void ipl_env_write_json(FILE *f)
{
	struct utsname u;
	char cpu[256], clk[128], idle[128], kernel[200];
	uname(&u);
	snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
	cpu_model(cpu, sizeof cpu);
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", clk, sizeof clk);
	read_line("/sys/devices/system/cpu/cpuidle/current_driver", idle, sizeof idle);
	fputc('{', f);
	json_kv(f, "ipclab_version", IPL_VERSION_STRING, 0);
	json_kv(f, "git_revision", IPL_GIT_REV, 1);
	json_kv(f, "kernel", kernel, 1);
	json_kv(f, "hostname", u.nodename, 1);
	json_kv(f, "cpu_model", cpu, 1);
	fprintf(f, ", \"cores\": %ld", sysconf(_SC_NPROCESSORS_ONLN));
	json_kv(f, "clock", "CLOCK_MONOTONIC", 1);
	json_kv(f, "clocksource", clk, 1);
	json_kv(f, "cpuidle_driver", idle, 1);
	cpufreq_json(f);
	json_kv(f, "build_flags", IPL_BUILD_FLAGS, 1);
	fputc('}', f);
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
	fprintf(f, "libtirpc:     %s\n", ipl_transport_find("oncrpc") ? "compiled in (the oncrpc mechanism)"
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
