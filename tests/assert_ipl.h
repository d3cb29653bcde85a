/* assert_ipl.h - cmocka assertions for ipclab return codes that fail with
 * the code's name and text ("IPL_ECLOSED (peer closed the connection)")
 * instead of cmocka's hex ("0xfffffffffffff058 != 0").  Include after
 * <cmocka.h>.  Each argument is evaluated once. */
#ifndef IPL_TESTS_ASSERT_IPL_H
#define IPL_TESTS_ASSERT_IPL_H

#include "common/err.h"

#include <stdio.h>

/* The name of rc, or its number when it has none (a byte count, say). */
static inline void ipl_rc_name_(char *buf, size_t len, int rc)
{
	const char *n = ipl_err_name(rc);
	if (n[0] == 'u') /* "unknown" */
		snprintf(buf, len, "%d", rc);
	else
		snprintf(buf, len, "%s", n);
}

/* Fails the running test at file:line unless rc == want. */
static inline void ipl_assert_rc_(int rc, int want, const char *file, int line)
{
	if (rc == want)
		return;
	/* copies: ipl_err_name may reuse one buffer for an unnamed errno */
	char got[48], exp[48], g[160], w[160];
	ipl_rc_name_(got, sizeof got, rc);
	ipl_rc_name_(exp, sizeof exp, want);
	snprintf(g, sizeof g, "%s (%s)", got, ipl_strerror(rc));
	snprintf(w, sizeof w, "%s (%s)", exp, ipl_strerror(want));
	/* distinct codes give distinct strings (unnamed ones show their
	 * number), so this fails; it prints on cmocka's own ERROR line */
	_assert_string_equal(g, w, file, line);
	_fail(file, line); /* not reached: a safety net if the strings matched */
}

/* rc must be 0. */
#define assert_ok(rc) ipl_assert_rc_((int)(rc), 0, __FILE__, __LINE__)
/* rc must be exactly want (an IPL_E* code or a negated errno). */
#define assert_err(rc, want) ipl_assert_rc_((int)(rc), (int)(want), __FILE__, __LINE__)

#endif
