/*
 * Regression tests for edge cases found in review: each case here failed
 * before its fix (the commit that added it says which).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "ini_file.h"
#include "sim/sim_audio.h"
#include "sim/sim_scenario.h"
#include "session/truth.h"
#include "sysfs.h"
#include "session/telemetry_csv.h"
#include "util.h"
#include "test.h"

static char tmpdir[256];

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

/* mkdir -p: an empty path, a file in the way, and the ordinary case. */
static void test_mkdir_p(void)
{
	char file[128], sub[160];
	int fd;

	CHECK_INT(tp_mkdir_p("", 0755), -ENOENT);
	path_in_tmp(file, sizeof(file), "plain");
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(tp_mkdir_p(file, 0755), -ENOTDIR);
	snprintf(sub, sizeof(sub), "%s/x", file);
	CHECK_INT(tp_mkdir_p(sub, 0755), -ENOTDIR);
	unlink(file);
	path_in_tmp(sub, sizeof(sub), "a/b/c");
	CHECK_INT(tp_mkdir_p(sub, 0755), 0);
	CHECK_INT(tp_mkdir_p(sub, 0755), 0);
	rmdir(sub);
	path_in_tmp(sub, sizeof(sub), "a/b");
	rmdir(sub);
	path_in_tmp(sub, sizeof(sub), "a");
	rmdir(sub);
}

/* Errors say what is wrong: not a number is not "out of range". */
static void test_parse_double_errors(void)
{
	double d = 7;

	CHECK_INT(tp_parse_double("abc", &d), -EINVAL);
	CHECK_INT(tp_parse_double("-", &d), -EINVAL);
	CHECK_INT(tp_parse_double("1e999", &d), -ERANGE);
	CHECK_INT(tp_parse_double("inf", &d), -EDOM);
	CHECK_NEAR(d, 7, 0);
	/* underflow is a value, not an error */
	CHECK_INT(tp_parse_double("1e-320", &d), 0);
	CHECK_NEAR(d, 0, 1e-300);
}

/* A non-finite t is refused: "nan" in the t column made the rest unreadable. */
static void test_csv_writer_bad_time(void)
{
	struct tp_csv_writer w;
	struct tp_csv_reader *r = NULL;
	struct tp_chanset set;
	double v[1] = {1.5}, t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	tp_chanset_init(&set);
	tp_chanset_add(&set, "temp.cpu");
	CHECK_INT(tp_csv_writer_open(&w, f, &set, NULL), 0);
	CHECK_INT(tp_csv_writer_row(&w, 0, v), 0);
	CHECK_INT(tp_csv_writer_row(&w, NAN, v), -EINVAL);
	CHECK_INT(tp_csv_writer_row(&w, INFINITY, v), -EINVAL);
	CHECK_INT(tp_csv_writer_row(&w, 1, v), 0);
	fclose(f);
	CHECK_INT(tp_csv_reader_open_mem(&r, buf, len), 0);
	CHECK_INT(tp_csv_reader_next(r, &t, v), 1);
	CHECK_INT(tp_csv_reader_next(r, &t, v), 1);
	CHECK_NEAR(t, 1, 0);
	CHECK_INT(tp_csv_reader_next(r, &t, v), 0);
	tp_csv_reader_close(r);
	free(buf);
}

/* A read error names its cause (here: the path is a directory). */
static void test_csv_reader_read_error(void)
{
	struct tp_csv_reader *r = NULL;
	char dir[128];

	path_in_tmp(dir, sizeof(dir), "csv.d");
	CHECK_INT(mkdir(dir, 0755), 0);
	CHECK_INT(tp_csv_reader_open(&r, dir), -EISDIR);
	CHECK(r && strstr(tp_csv_reader_error(r), "Is a directory") != NULL);
	tp_csv_reader_close(r);
	rmdir(dir);
}

/* An attribute exactly as long as the buffer allows fits; one byte more does not. */
static void test_sysfs_pread_exact(void)
{
	char path[128], buf[8];
	int fd;

	path_in_tmp(path, sizeof(path), "attr");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "123456\n", 7), 7);
	CHECK_INT(tp_sysfs_pread(fd, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "123456\n");
	CHECK_INT(write(fd, "x", 1), 1);
	CHECK_INT(tp_sysfs_pread(fd, buf, sizeof(buf)), -EFBIG);
	close(fd);
	unlink(path);
}

/* Files the simulator writes are not inherited by child processes. */
static void test_sim_files_cloexec(void)
{
	struct tp_truth_writer w;
	struct tp_sim_audio a;
	struct tp_scenario s;
	char path[128], err[200], was_open[256];
	int fd, opened = 0;

	path_in_tmp(path, sizeof(path), "truth.jsonl");
	CHECK_INT(tp_truth_writer_open(&w, path), 0);
	CHECK(fcntl(fileno(w.f), F_GETFD) & FD_CLOEXEC);
	CHECK_INT(tp_truth_writer_close(&w), 0);
	unlink(path);
	tp_scenario_default(&s);
	s.audio_duration_s = 0.1;
	path_in_tmp(path, sizeof(path), "audio.wav");
	for (fd = 0; fd < 256; fd++)
		was_open[fd] = fcntl(fd, F_GETFD) >= 0;
	CHECK_INT(tp_sim_audio_open(&a, path, &s, 1, err, sizeof(err)), 0);
	for (fd = 0; fd < 256; fd++)
		if (!was_open[fd] && fcntl(fd, F_GETFD) >= 0) {
			CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
			opened++;
		}
	CHECK(opened > 0);
	CHECK_INT(tp_sim_audio_close(&a), 0);
	unlink(path);
}

/* A section that comes back later in the file is one rail or clock, not two. */
static void test_board_repeated_section(void)
{
	static const char text[] = "[board]\nname = t\nsource = test\n"
				   "[rail.IN]\nsource = hwmon\nchannel = power.board\n"
				   "[clock.cpu]\nkind = cpufreq\nchannel = freq.cpu\n"
				   "[rail.GPU]\nsource = hwmon\nchannel = power.gpu\n"
				   "[rail.IN]\ntotal = 1\n"
				   "[clock.cpu]\npolicy = policy0\n";
	struct tp_board b;
	char path[128];
	FILE *f;

	path_in_tmp(path, sizeof(path), "t.ini");
	f = fopen(path, "we");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	CHECK_INT(tp_board_load(&b, path), 0);
	CHECK_INT(b.nrails, 2);
	CHECK_INT(b.nclocks, 1);
	CHECK_STR(b.rails[0].name, "IN");
	CHECK_INT(b.rails[0].total, 1);
	tp_board_free(&b);
	unlink(path);
}

/* Detection names the profile by its file, which is what loading takes. */
static void test_board_detect_file_name(void)
{
	char dir[128], path[192], name[64], why[640];
	struct tp_board b;
	FILE *f;

	path_in_tmp(dir, sizeof(dir), "boards");
	CHECK_INT(tp_mkdir_p(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/my-board.ini", dir);
	f = fopen(path, "we");
	if (f) {
		fputs("[board]\nname = Lab Board 7\nsource = test\nmatch_dmi = Lab Board\n", f);
		fclose(f);
	}
	path_in_tmp(path, sizeof(path), "root/sys/class/dmi/id");
	CHECK_INT(tp_mkdir_p(path, 0755), 0);
	path_in_tmp(path, sizeof(path), "root/sys/class/dmi/id/product_name");
	f = fopen(path, "we");
	if (f) {
		fputs("Lab Board rev 2\n", f);
		fclose(f);
	}
	setenv("THERMPACE_BOARDS", dir, 1);
	path_in_tmp(path, sizeof(path), "root");
	CHECK_INT(tp_board_detect(path, name, sizeof(name), why, sizeof(why)), 0);
	CHECK_STR(name, "my-board");
	CHECK_INT(tp_board_load(&b, name), 0);
	CHECK_STR(b.name, "Lab Board 7");
	tp_board_free(&b);
	unsetenv("THERMPACE_BOARDS");
}

int main(void)
{
	if (test_tmpdir(tmpdir, sizeof(tmpdir), "edge") < 0) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_ini_directory);
	RUN(test_mkdir_p);
	RUN(test_parse_double_errors);
	RUN(test_csv_writer_bad_time);
	RUN(test_csv_reader_read_error);
	RUN(test_sysfs_pread_exact);
	RUN(test_sim_files_cloexec);
	RUN(test_board_repeated_section);
	RUN(test_board_detect_file_name);
	/* the tests leave small trees behind: remove them with the directory */
	test_rmtree(tmpdir);
	return test_done();
}
