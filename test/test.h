#ifndef THERMPACE_TEST_H
#define THERMPACE_TEST_H

/*
 * A tiny test harness that prints TAP. Each test file:
 *
 *   static void test_something(void) { CHECK(x == 1); CHECK_NEAR(y, 2.0, 1e-9); }
 *   int main(void) { RUN(test_something); return test_done(); }
 *
 * SKIP("reason") inside a test marks it skipped (the reason is printed).
 * Fixture paths are relative to the source tree root, where tests run.
 *
 * Scratch space: test_tmpdir makes a fresh directory under $TMPDIR (/tmp
 * when unset), test_rmtree removes it and everything in it.
 */

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int tp_test_n, tp_test_failed, tp_test_skipped, tp_test_cur_fail, tp_test_cur_skip;
static char tp_test_skip_reason[256];

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);        \
			tp_test_cur_fail++;                                                        \
		}                                                                                  \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
	do {                                                                                       \
		double tp_a_ = (a), tp_b_ = (b);                                                   \
		if (!(fabs(tp_a_ - tp_b_) <= (tol))) {                                             \
			printf("#   %s:%d: %s = %.9g, expected %s = %.9g within %g\n", __FILE__,   \
			       __LINE__, #a, tp_a_, #b, tp_b_, (double)(tol));                     \
			tp_test_cur_fail++;                                                        \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long tp_a_ = (long long)(a), tp_b_ = (long long)(b);                          \
		if (tp_a_ != tp_b_) {                                                              \
			printf("#   %s:%d: %s = %lld, expected %lld\n", __FILE__, __LINE__, #a,    \
			       tp_a_, tp_b_);                                                      \
			tp_test_cur_fail++;                                                        \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *tp_a_ = (a), *tp_b_ = (b);                                             \
		if (!tp_a_ || !tp_b_ || strcmp(tp_a_, tp_b_) != 0) {                               \
			printf("#   %s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__, __LINE__,    \
			       #a, tp_a_ ? tp_a_ : "(null)", tp_b_ ? tp_b_ : "(null)");            \
			tp_test_cur_fail++;                                                        \
		}                                                                                  \
	} while (0)

#define SKIP(reason)                                                                               \
	do {                                                                                       \
		snprintf(tp_test_skip_reason, sizeof(tp_test_skip_reason), "%s", (reason));        \
		tp_test_cur_skip = 1;                                                              \
		return;                                                                            \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		tp_test_cur_fail = 0;                                                              \
		tp_test_cur_skip = 0;                                                              \
		fn();                                                                              \
		tp_test_n++;                                                                       \
		if (tp_test_cur_fail) {                                                            \
			tp_test_failed++;                                                          \
			printf("not ok %d - %s\n", tp_test_n, #fn);                                \
		} else if (tp_test_cur_skip) {                                                     \
			tp_test_skipped++;                                                         \
			printf("ok %d - %s # SKIP %s\n", tp_test_n, #fn, tp_test_skip_reason);     \
		} else {                                                                           \
			printf("ok %d - %s\n", tp_test_n, #fn);                                    \
		}                                                                                  \
		fflush(stdout);                                                                    \
	} while (0)

/*
 * Creates a new directory $TMPDIR/thermpace-NAME-XXXXXX, its path into
 * dir[n]. Returns 0 or a negative errno.
 */
static inline int test_tmpdir(char *dir, size_t n, const char *name)
{
	const char *base = getenv("TMPDIR");
	int k;

	if (!base || !base[0])
		base = "/tmp";
	k = snprintf(dir, n, "%s/thermpace-%s-XXXXXX", base, name);
	if (k < 0 || (size_t)k >= n)
		return -ENAMETOOLONG;
	return mkdtemp(dir) ? 0 : -errno;
}

/*
 * Writes text to dir/name (truncating it, or creating it: a sysfs-like
 * attribute of a fixture tree). Returns 0 or a negative errno.
 */
static inline int test_write_at(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;
	int k = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (k < 0 || (size_t)k >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static inline int test_rmtree_entry(const char *path, const struct stat *st, int flag,
				    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path); /* go on past a failure, as rm -rf does */
	return 0;
}

/*
 * Removes dir and everything under it (links are removed, not followed).
 * Returns 0, or -EIO when dir is still there.
 */
static inline int test_rmtree(const char *dir)
{
	struct stat st;

	nftw(dir, test_rmtree_entry, 16, FTW_DEPTH | FTW_PHYS);
	return lstat(dir, &st) == 0 ? -EIO : 0;
}

static inline int test_done(void)
{
	printf("1..%d\n", tp_test_n);
	return tp_test_failed ? 1 : 0;
}

#endif
