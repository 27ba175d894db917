/* sysfs number parsing, the read seam, vcgencmd output parsing and running. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"
#include "util.h"
#include "telemetry/vcgencmd.h"
#include "test.h"

static int parse(const char *s, long long *v)
{
	return tp_sysfs_parse_ll(s, strlen(s), v);
}

static void test_parse_ll(void)
{
	long long v = 7;

	CHECK_INT(parse("41500\n", &v), 0);
	CHECK_INT(v, 41500);
	CHECK_INT(parse("-256000\n", &v), 0);
	CHECK_INT(v, -256000);
	CHECK_INT(parse("  +12 \n", &v), 0);
	CHECK_INT(v, 12);
	CHECK_INT(parse("9223372036854775807", &v), 0);
	CHECK(v == LLONG_MAX);
	CHECK_INT(parse("-9223372036854775808", &v), 0);
	CHECK(v == LLONG_MIN);
	v = 7;
	CHECK_INT(parse("9223372036854775808", &v), -ERANGE);
	CHECK_INT(parse("", &v), -ENODATA);
	CHECK_INT(parse(" \n", &v), -ENODATA);
	CHECK_INT(parse("abc", &v), -EINVAL);
	CHECK_INT(parse("12abc", &v), -EINVAL);
	CHECK_INT(parse("12 13", &v), -EINVAL);
	CHECK_INT(parse("1.5", &v), -EINVAL);
	CHECK_INT(parse("-", &v), -EINVAL);
	CHECK_INT(parse("0x10", &v), -EINVAL);
	CHECK_INT(v, 7); /* untouched on failure */
	/* not NUL-terminated: only len bytes count */
	CHECK_INT(tp_sysfs_parse_ll("123456", 3, &v), 0);
	CHECK_INT(v, 123);
}

static void test_parse_max(void)
{
	const char *s = "76800000 153600000 921600000 230400000\n";
	long long v = 0;

	CHECK_INT(tp_sysfs_parse_max(s, strlen(s), &v), 0);
	CHECK_INT(v, 921600000);
	CHECK_INT(tp_sysfs_parse_max("5", 1, &v), 0);
	CHECK_INT(v, 5);
	CHECK_INT(tp_sysfs_parse_max("", 0, &v), -ENODATA);
	CHECK_INT(tp_sysfs_parse_max("1 x 3", 5, &v), -EINVAL);
	CHECK_INT(tp_sysfs_parse_max("1 2x", 4, &v), -EINVAL);
}

static int fail_with;

static ssize_t failing_pread(int fd, void *buf, size_t n, off_t off)
{
	(void)fd;
	(void)buf;
	(void)n;
	(void)off;
	errno = fail_with;
	return -1;
}

static void test_read_seam(void)
{
	char dir[256], path[512];
	long long v = 0;
	int fd;

	if (test_tmpdir(dir, sizeof(dir), "sysfs") < 0)
		SKIP("mkdtemp failed");
	snprintf(path, sizeof(path), "%s/temp", dir);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "42000\n", 6) == 6);
	CHECK_INT(tp_sysfs_read_ll(fd, &v), 0);
	CHECK_INT(v, 42000);
	/* every read goes through the seam: inject the errors hardware gives */
	fail_with = EIO;
	tp_sysfs_set_pread(failing_pread);
	CHECK_INT(tp_sysfs_read_ll(fd, &v), -EIO);
	fail_with = ENODEV;
	CHECK_INT(tp_sysfs_read_ll(fd, &v), -ENODEV);
	tp_sysfs_set_pread(NULL);
	CHECK_INT(tp_sysfs_read_ll(fd, &v), 0);
	close(fd);
	/* a directory where a file is expected */
	fd = open(dir, O_RDONLY);
	CHECK_INT(tp_sysfs_read_ll(fd, &v), -EISDIR);
	close(fd);
	CHECK_INT(test_rmtree(dir), 0);
}

static void test_throttled(void)
{
	unsigned long bits = 1;

	CHECK_INT(tp_vcgencmd_parse_throttled("throttled=0x50005\n", 18, &bits), 0);
	CHECK_INT(bits, 0x50005);
	CHECK_INT(tp_vcgencmd_parse_throttled("throttled=0x0", 13, &bits), 0);
	CHECK_INT(bits, 0);
	CHECK_INT(tp_vcgencmd_parse_throttled("throttled=50005", 15, &bits), -EINVAL);
	CHECK_INT(tp_vcgencmd_parse_throttled("throttled=0x", 12, &bits), -EINVAL);
	CHECK_INT(tp_vcgencmd_parse_throttled("throttled=0x5g", 14, &bits), -EINVAL);
	CHECK_INT(tp_vcgencmd_parse_throttled("throttled=0x123456789", 21, &bits), -EINVAL);
	CHECK_INT(tp_vcgencmd_parse_throttled("error=1", 7, &bits), -EINVAL);
	CHECK_INT(bits, 0);
}

static void test_throttle_events(void)
{
	/* first reading: only the live bits count */
	CHECK_INT(tp_vcgencmd_throttle_events(0, 0x50000), 0x5);
	/* sticky unchanged, nothing live: nothing new */
	CHECK_INT(tp_vcgencmd_throttle_events(0x50000, 0x50000), 0);
	/* live bit 2 */
	CHECK_INT(tp_vcgencmd_throttle_events(0x50000, 0x50004), 0x4);
	/* sticky 17 newly set, live clear again: it happened in between */
	CHECK_INT(tp_vcgencmd_throttle_events(0x50000, 0x70000), 0x2);
	/* sticky bits never clear without a reboot; a clear is no event */
	CHECK_INT(tp_vcgencmd_throttle_events(0x70000, 0x0), 0);
}

static void test_pmic(void)
{
	const char *out = "     VDD_CORE_A current(7)=2.00000000A\n"
			  "     3V3_SYS_A current(1)=0.10000000A\n"
			  "garbage line\n"
			  "     VDD_CORE_V volt(15)=0.87000000V\n"
			  "     3V3_SYS_V volt(13)=3.30000000V\n"
			  "     EXT5V_V volt(24)=5.14000000V\n"
			  "     BAD_X volt(1)=1V\n";
	struct tp_vcgencmd_pmic_rail r[8];
	int n = tp_vcgencmd_parse_pmic(out, strlen(out), r, 8);

	CHECK_INT(n, 3);
	if (n != 3)
		return;
	CHECK_STR(r[0].name, "VDD_CORE");
	CHECK_NEAR(r[0].curr_a, 2.0, 1e-12);
	CHECK_NEAR(r[0].volt_v, 0.87, 1e-12);
	CHECK_STR(r[1].name, "3V3_SYS");
	CHECK_NEAR(r[1].volt_v * r[1].curr_a, 0.33, 1e-12);
	CHECK_STR(r[2].name, "EXT5V");
	CHECK(isnan(r[2].curr_a));
	CHECK_INT(tp_vcgencmd_parse_pmic("nothing\n", 8, r, 8), -EINVAL);
	CHECK_INT(tp_vcgencmd_parse_pmic(out, strlen(out), r, 1), 1); /* rails beyond max dropped */
}

static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fputs(body, f);
	fclose(f);
	chmod(path, 0755);
}

static void test_run_child(void)
{
	char dir[256], path[512], out[256];
	int n;

	if (test_tmpdir(dir, sizeof(dir), "vcgen") < 0)
		SKIP("mkdtemp failed");
	snprintf(path, sizeof(path), "%s/vcgencmd", dir);
	write_script(path, "#!/bin/sh\n[ \"$1\" = get_throttled ] || exit 3\necho throttled=0x4\n");
	n = tp_vcgencmd_run(path, "get_throttled", out, sizeof(out), 5000);
	CHECK_INT(n, 14);
	CHECK_STR(out, "throttled=0x4\n");
	CHECK_INT(tp_vcgencmd_run(path, "other", out, sizeof(out), 5000), -EIO);
	write_script(path, "#!/bin/sh\nexec sleep 5\n");
	CHECK_INT(tp_vcgencmd_run(path, "x", out, sizeof(out), 100), -ETIMEDOUT);
	write_script(path,
		     "#!/bin/sh\nwhile :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done\n");
	CHECK_INT(tp_vcgencmd_run(path, "x", out, sizeof(out), 5000), -EFBIG);
	unlink(path);
	CHECK_INT(tp_vcgencmd_run(path, "x", out, sizeof(out), 5000), -ENOENT);
	CHECK_INT(test_rmtree(dir), 0);
}

int main(void)
{
	RUN(test_parse_ll);
	RUN(test_parse_max);
	RUN(test_read_seam);
	RUN(test_throttled);
	RUN(test_throttle_events);
	RUN(test_pmic);
	RUN(test_run_child);
	return test_done();
}
