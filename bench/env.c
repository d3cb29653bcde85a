#include "env.h"

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef IPL_GIT_REV
#define IPL_GIT_REV "unknown"
#endif

/* First line of a sysfs file, or "unknown". */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
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

static void json_kv(FILE *f, const char *k, const char *v, int comma)
{
	fprintf(f, "%s\"%s\": \"", comma ? ", " : "", k);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		if ((unsigned char)*v >= 0x20)
			fputc(*v, f);
	}
	fputc('"', f);
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
	fputc('}', f);
}

void ipl_env_summary(char *buf, size_t len)
{
	struct utsname u;
	char cpu[256];
	uname(&u);
	cpu_model(cpu, sizeof cpu);
	snprintf(buf, len, "%s, %ld cores, Linux %s", cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release);
}
