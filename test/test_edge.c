/*
 * Regression tests for edge cases found in review: each case here failed
 * before its fix (the commit that added it says which).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini_file.h"
#include "util.h"
#include "test.h"

static char tmpdir[64];

static void path_in_tmp(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

/* A directory is not an empty INI file: loading it fails and says why. */
static void test_ini_directory(void)
{
	struct tp_ini ini;
	char dir[128];

	path_in_tmp(dir, sizeof(dir), "ini.d");
	CHECK_INT(mkdir(dir, 0755), 0);
	CHECK_INT(tp_ini_load(&ini, dir), -EISDIR);
	CHECK(strstr(ini.err, "Is a directory") != NULL);
	CHECK_INT(ini.n, 0);
	tp_ini_free(&ini);
	rmdir(dir);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tp-edge-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_ini_directory);
	rmdir(tmpdir);
	return test_done();
}
