#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "antifrag.h"

static void test_parse_size(void **state)
{
	uint64_t b;
	(void)state;
	assert_int_equal(af_parse_size("4096", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(af_parse_size("512M", &b), 0);
	assert_int_equal(b, 512ULL << 20);
	assert_int_equal(af_parse_size("64G", &b), 0);
	assert_int_equal(b, 64ULL << 30);
	assert_int_equal(af_parse_size("1GiB", &b), 0);
	assert_int_equal(b, 1ULL << 30);
	assert_int_equal(af_parse_size("", &b), -EINVAL);
	assert_int_equal(af_parse_size("12Q", &b), -EINVAL);
	assert_int_equal(af_parse_size("-1G", &b), -EINVAL);
	assert_int_equal(af_parse_size("99999999999999999999", &b), -EINVAL);
	assert_int_equal(af_parse_size("99999999999T", &b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
