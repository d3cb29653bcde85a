/* test_err.c - the error list in common/err.h: every code keeps its number,
 * has its own name and text, codes that are not ours are named safely, and
 * ipl_err_is_header is true for exactly the header codes (the server closes
 * the connection on those, so a wrong class changes the protocol). */
#include "common/err.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

/* Written out by hand, not from IPL_ERR_LIST: a renumbered, renamed or
 * reclassified entry in the list must fail here. */
static const struct {
	int code;
	const char *name;
	int header;
} want[] = {
	{ -4001, "IPL_EBADMAGIC", 1 }, { -4002, "IPL_EBADVERSION", 1 }, { -4003, "IPL_EBADOP", 1 },
	{ -4004, "IPL_EBADFLAGS", 1 }, { -4005, "IPL_ETOOBIG", 1 },     { -4006, "IPL_EBADCRC", 0 },
	{ -4007, "IPL_ETRUNC", 0 },    { -4008, "IPL_ECLOSED", 0 },     { -4009, "IPL_ESEQ", 0 },
	{ -4010, "IPL_ELEN", 0 },      { -4011, "IPL_EPAYLOAD", 0 },    { -4012, "IPL_EREMOTE", 0 },
	{ -4013, "IPL_ECANCELED", 0 }, { -4014, "IPL_EDONE", 0 },       { -4015, "IPL_EUNSUPP", 0 },
	{ -4016, "IPL_EADDR", 0 },     { -4017, "IPL_EPEERDEAD", 0 },   { -4018, "IPL_EPROTO", 0 },
	{ -4019, "IPL_EXDR", 0 },      { -4020, "IPL_ERPC", 0 },        { -4021, "IPL_EBUSY", 0 },
	{ -4022, "IPL_EOVERLOAD", 0 }, { -4023, "IPL_ESHMLOST", 0 },    { -4024, "IPL_ENOTREG", 0 },
	{ -4025, "IPL_EREFUSED", 0 },
};
#define NWANT (sizeof want / sizeof want[0])

static void numbers_kept(void **state)
{
	(void)state;
	assert_int_equal(IPL_EBADMAGIC, -4001);
	assert_int_equal(IPL_ECLOSED, -4008);
	assert_int_equal(IPL_ESHMLOST, -4023);
	/* one past the last: a code added to the list must be added above too */
	assert_int_equal(IPL_ERR_LAST, -4001 - (int)NWANT);
	for (size_t i = 0; i < NWANT; i++)
		assert_string_equal(ipl_err_name(want[i].code), want[i].name);
}

static void names_and_texts_distinct(void **state)
{
	(void)state;
	for (int a = IPL_ERR_BASE - 1; a > IPL_ERR_LAST; a--) {
		const char *na = ipl_err_name(a), *ta = ipl_strerror(a);
		assert_non_null(strstr(na, "IPL_E"));
		assert_string_not_equal(ta, "unknown error");
		for (int b = a - 1; b > IPL_ERR_LAST; b--) {
			assert_string_not_equal(na, ipl_err_name(b));
			assert_string_not_equal(ta, ipl_strerror(b));
		}
	}
}

static void other_codes(void **state)
{
	(void)state;
	assert_string_equal(ipl_err_name(0), "OK");
	assert_string_equal(ipl_strerror(0), "success");
	assert_string_equal(ipl_err_name(-ECONNRESET), "ECONNRESET");
	assert_string_equal(ipl_err_name(-EPIPE), "EPIPE");
	assert_string_equal(ipl_err_name(-3999), "errno 3999"); /* errno range, no name */
	const int bad[] = { 1, INT_MAX, INT_MIN, IPL_ERR_BASE, IPL_ERR_LAST, IPL_ERR_LAST - 1 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_string_equal(ipl_err_name(bad[i]), "unknown");
		assert_string_equal(ipl_strerror(bad[i]), "unknown error");
		assert_false(ipl_err_is_header(bad[i]));
	}
}

static void header_class_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < NWANT; i++)
		assert_int_equal(ipl_err_is_header(want[i].code), want[i].header);
	assert_false(ipl_err_is_header(0));
	assert_false(ipl_err_is_header(-EPROTO));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_kept),
		cmocka_unit_test(names_and_texts_distinct),
		cmocka_unit_test(other_codes),
		cmocka_unit_test(header_class_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
