#include "common/err.h"

#include <stdio.h>
#include <string.h>

enum { IPL_ERR_COUNT = 0 IPL_ERR_LIST(IPL_ERR_ONE_) };

/* A gap or a duplicated offset would leave a hole in the tables below (or
 * make -Woverride-init fail the build): the largest offset must equal the count. */
#define IPL_ERR_BADOFF_(name, off, cls, text) +((off) < 1 || (off) > IPL_ERR_COUNT)
_Static_assert((0 IPL_ERR_LIST(IPL_ERR_BADOFF_)) == 0, "an error offset lies outside 1..count");
#undef IPL_ERR_BADOFF_

enum ipl_err_class { IPL_ERRC_PLAIN, IPL_ERRC_HEADER };

struct err_info {
	const char *name;
	const char *text;
	enum ipl_err_class cls;
};

#define IPL_ERR_INFO_(name, off, cls, text) [off] = { #name, text, IPL_ERRC_##cls },
static const struct err_info own[IPL_ERR_COUNT + 1] = { IPL_ERR_LIST(IPL_ERR_INFO_) };
#undef IPL_ERR_INFO_

/* NULL unless err is one of ours. */
static const struct err_info *own_info(int err)
{
	if (err >= IPL_ERR_BASE || err <= IPL_ERR_LAST)
		return NULL;
	const struct err_info *e = &own[IPL_ERR_BASE - err];
	return e->name ? e : NULL;
}

const char *ipl_strerror(int err)
{
	if (err == 0)
		return "success";
	const struct err_info *e = own_info(err);
	if (e)
		return e->text;
	if (err < 0 && err > IPL_ERR_BASE)
		return strerror(-err);
	return "unknown error";
}

/* strerrorname_np came with glibc 2.32; elsewhere every errno is a number. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define errno_name(e) strerrorname_np(e) /* NULL if glibc has no name */
#else
#define errno_name(e) ((const char *)NULL)
#endif

const char *ipl_err_name(int err)
{
	static _Thread_local char buf[32]; /* only for an errno without a name */
	if (err == 0)
		return "OK";
	const struct err_info *e = own_info(err);
	if (e)
		return e->name;
	if (err < 0 && err > IPL_ERR_BASE) {
		const char *s = errno_name(-err);
		if (s)
			return s;
		snprintf(buf, sizeof buf, "errno %d", -err);
		return buf;
	}
	return "unknown";
}

int ipl_err_is_header(int err)
{
	const struct err_info *e = own_info(err);
	return e && e->cls == IPL_ERRC_HEADER;
}
