/*
 * Actuators and their undoing: clock caps and cgroup v2 on fixture trees
 * (copied to a temporary directory), the cgroup v1 cpu controller for real
 * with a real busy child, SIGSTOP duty cycling of a real child, the state
 * file, the guardian after a SIGKILL, `restore` of a dead daemon's file, the
 * probe, the power map.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pace/actuator.h"
#include "pace/actuator_impl.h"
#include "board.h"
#include "pace/pace_state.h"
#include "util.h"
#include "sysfs.h"
#include "test.h"

static char tmp[256];

static int make_tmp(void)
{
	return test_tmpdir(tmp, sizeof(tmp), "act");
}

static void rm_tmp(void)
{
	if (test_rmtree(tmp) < 0)
		printf("# could not remove %s\n", tmp);
}

/* Copies a fixture tree into tmp/NAME. */
static int copy_fixture(const char *fixture, const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s/%s'", fixture, tmp, name);
	return system(cmd) == 0 ? 0 : -EIO;
}

static long read_long_at(const char *path)
{
	char buf[128];
	long v = -1;

	if (tp_read_text(path, buf, sizeof(buf)) >= 0)
		tp_parse_long(buf, &v);
	return v;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A child that spins until killed. */
static pid_t spawn_busy(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		volatile unsigned long x = 0;

		for (;;)
			x++;
	}
	return pid;
}

/* CPU seconds (user + system) used so far by pid, from /proc/PID/stat. */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (tp_read_text(path, buf, sizeof(buf)) < 0)
		return NAN;
	p = strrchr(buf, ')');
	for (i = 2; i < 14 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%lu %lu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The one-letter state of pid ('R', 'S', 'T', ...), or '?'. */
static char proc_state(pid_t pid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (tp_read_text(path, buf, sizeof(buf)) < 0)
		return '?';
	p = strrchr(buf, ')');
	return (p && p[1] == ' ') ? p[2] : '?';
}

static void kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	kill(pid, SIGCONT);
	waitpid(pid, NULL, 0);
}

static int load_nano(struct tp_board *b)
{
	int ret = tp_board_load(b, "boards/jetson-nano.ini");

	if (ret < 0)
		printf("# board: %s\n", b->err);
	return ret;
}

static void test_clock_caps_restored(void)
{
	struct tp_pace_state st;
	struct tp_actuator cpu, gpu;
	struct tp_board b;
	char root[256], cpath[512], gpath[512], rt[256];

	if (make_tmp() < 0 || copy_fixture("fixtures/actuators/nano", "root") < 0)
		SKIP("cannot make a temporary copy of the fixture tree");
	CHECK_INT(load_nano(&b), 0);
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	snprintf(cpath, sizeof(cpath), "%s/sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq",
		 root);
	snprintf(gpath, sizeof(gpath), "%s/sys/class/devfreq/57000000.gpu/max_freq", root);
	CHECK_INT(tp_pace_state_open(&st, rt), 0);
	CHECK_INT(tp_act_clock_open(&cpu, TP_ACT_CPUFREQ, &st, root, &b), 0);
	CHECK_INT(tp_act_clock_open(&gpu, TP_ACT_DEVFREQ, &st, root, &b), 0);
	CHECK_INT(cpu.nclocks, 1);
	CHECK_INT(cpu.clk[0].lo, 102000);
	CHECK_INT(cpu.clk[0].hi, 1479000);
	/* 0.5 of 102..1479 MHz is 790.5 MHz: the OPP below is 710.4 MHz */
	CHECK_INT(tp_actuator_set(&cpu, 0.5, 0), 0);
	CHECK_INT(read_long_at(cpath), 710400);
	CHECK_INT(tp_actuator_set(&cpu, 0.0, 0), 0);
	CHECK_INT(read_long_at(cpath), 102000);
	/* 0.3 of 76.8..921.6 MHz is 330.24 MHz: 307.2 MHz */
	CHECK_INT(tp_actuator_set(&gpu, 0.3, 0), 0);
	CHECK_INT(read_long_at(gpath), 307200000);
	/* the state file holds the originals, not the caps */
	{
		char sp[512], text[4096];

		snprintf(sp, sizeof(sp), "%s/state-%d.json", rt, (int)getpid());
		CHECK(tp_read_text(sp, text, sizeof(text)) > 0);
		CHECK(strstr(text, "\"1479000\"") != NULL);
		CHECK(strstr(text, "\"921600000\"") != NULL);
		CHECK(strstr(text, "\"710400\"") == NULL);
	}
	/* uncapped again writes the value found at open */
	CHECK_INT(tp_actuator_set(&gpu, 1.0, 0), 0);
	CHECK_INT(read_long_at(gpath), 921600000);
	CHECK_INT(tp_actuator_set(&gpu, 0.1, 0), 0);
	CHECK_INT(tp_pace_state_restore(&st, stdout), 0);
	CHECK_INT(read_long_at(cpath), 1479000);
	CHECK_INT(read_long_at(gpath), 921600000);
	tp_actuator_close(&cpu);
	tp_actuator_close(&gpu);
	tp_pace_state_close(&st);
	{
		char sp[512];

		snprintf(sp, sizeof(sp), "%s/state-%d.json", rt, (int)getpid());
		CHECK(access(sp, F_OK) < 0);
	}
	tp_board_free(&b);
	rm_tmp();
}

static void test_clock_without_board(void)
{
	struct tp_pace_state st;
	struct tp_actuator a;
	char root[256], rt[256];

	if (make_tmp() < 0 || copy_fixture("fixtures/actuators/nano", "root") < 0)
		SKIP("cannot make a temporary copy of the fixture tree");
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	CHECK_INT(tp_pace_state_open(&st, rt), 0);
	/* no board: every policy and device found */
	CHECK_INT(tp_act_clock_open(&a, TP_ACT_CPUFREQ, &st, root, NULL), 0);
	CHECK_INT(a.nclocks, 1);
	CHECK_INT(tp_act_clock_open(&a, TP_ACT_DEVFREQ, &st, root, NULL), 0);
	CHECK_INT(a.nclocks, 1);
	CHECK(tp_act_clock_open(&a, TP_ACT_CPUFREQ, &st, tmp, NULL) == -ENOENT);
	CHECK(strstr(a.err, "no cpufreq clock") != NULL);
	tp_pace_state_restore(&st, stdout);
	tp_pace_state_close(&st);
	rm_tmp();
}

static void test_cgroup_v2_attach_fixture(void)
{
	struct tp_pace_state st;
	struct tp_actuator a;
	char dir[256], rt[256], path[512], buf[64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (make_tmp() < 0 || copy_fixture("fixtures/actuators/cgroup2", "cg") < 0)
		SKIP("cannot make a temporary copy of the fixture tree");
	snprintf(dir, sizeof(dir), "%s/cg/app", tmp);
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	CHECK_INT(tp_pace_state_open(&st, rt), 0);
	CHECK_INT(tp_act_cgroup_open(&a, &st, "/", NULL, dir, 0), 0);
	CHECK_INT(a.cg_version, 2);
	CHECK_INT(a.period_us, 100000);
	CHECK_INT(tp_actuator_set(&a, 0.25, 0), 0);
	tp_read_text(path, buf, sizeof(buf));
	{
		char want[64];

		snprintf(want, sizeof(want), "%ld 100000", (long)(0.25 * 100000 * ncpu));
		CHECK_STR(buf, want);
	}
	/* the floor: never below 1 ms a period */
	CHECK_INT(tp_actuator_set(&a, 0.0, 0), 0);
	tp_read_text(path, buf, sizeof(buf));
	CHECK(strtol(buf, NULL, 10) >= 1000);
	CHECK_INT(tp_actuator_set(&a, 1.0, 0), 0);
	tp_read_text(path, buf, sizeof(buf));
	CHECK_STR(buf, "max 100000");
	CHECK_INT(tp_actuator_set(&a, 0.5, 0), 0);
	CHECK_INT(tp_pace_state_restore(&st, stdout), 0);
	tp_read_text(path, buf, sizeof(buf));
	CHECK_STR(buf, "max 100000");
	tp_pace_state_close(&st);
	/* neither cpu.max nor cpu.cfs_quota_us */
	CHECK(tp_act_cgroup_open(&a, &st, "/", NULL, tmp, 0) == -ENOENT);
	rm_tmp();
}

/* The cgroup v1 cpu controller, for real: quota cuts a busy child's CPU time. */
static void test_cgroup_v1_real(void)
{
	struct tp_pace_state st;
	struct tp_actuator a;
	char rt[256], cgline[256] = "";
	double c0, c1, c2, c3, free_rate, capped_rate;
	pid_t child;
	int ret;

	if (access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", W_OK) < 0 ||
	    access("/sys/fs/cgroup/cpu", W_OK) < 0)
		SKIP("the cgroup v1 cpu controller is not mounted writable at /sys/fs/cgroup/cpu");
	if (make_tmp() < 0)
		SKIP("no temporary directory");
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	CHECK_INT(tp_pace_state_open(&st, rt), 0);
	ret = tp_act_cgroup_open(&a, &st, "/", NULL, NULL, 0);
	if (ret < 0) {
		printf("# %s\n", a.err);
		tp_pace_state_restore(&st, stdout);
		tp_pace_state_close(&st);
		rm_tmp();
		SKIP("cannot create a cgroup under /sys/fs/cgroup/cpu");
	}
	CHECK_INT(a.cg_version, 1);
	CHECK_INT(access(a.cg_dir, F_OK), 0);
	child = spawn_busy();
	CHECK(child > 0);
	CHECK_INT(tp_actuator_add_pid(&a, child), 0);
	c0 = cpu_seconds(child);
	sleep_s(0.6);
	c1 = cpu_seconds(child);
	/* 5 % of the machine */
	CHECK_INT(tp_actuator_set(&a, 0.05, 0), 0);
	{
		char q[600];

		snprintf(q, sizeof(q), "%s/cpu.cfs_quota_us", a.cg_dir);
		CHECK_INT(read_long_at(q),
			  (long)fmax(1000, round(0.05 * 100000 * sysconf(_SC_NPROCESSORS_ONLN))));
	}
	sleep_s(0.2);
	c2 = cpu_seconds(child);
	sleep_s(1.0);
	c3 = cpu_seconds(child);
	free_rate = (c1 - c0) / 0.6;
	capped_rate = (c3 - c2) / 1.0;
	printf("# busy child: %.2f CPU-s/s free, %.2f capped at 5 %% of %ld CPUs\n", free_rate,
	       capped_rate, sysconf(_SC_NPROCESSORS_ONLN));
	/* the quota is 0.1 CPU-s/s on 2 CPUs; loose, and relative when the child ran free */
	CHECK(capped_rate < 0.05 * sysconf(_SC_NPROCESSORS_ONLN) + 0.08);
	if (free_rate > 0.3)
		CHECK(capped_rate < 0.6 * free_rate);
	CHECK_INT(tp_pace_state_restore(&st, stdout), 0);
	/* the cgroup is gone and the child is back in the hierarchy's root */
	CHECK(access(a.cg_dir, F_OK) < 0);
	{
		char path[64], text[4096], *line, *save = NULL;

		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)child);
		tp_read_text(path, text, sizeof(text));
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strstr(line, ":cpu:") || strstr(line, ":cpu,"))
				tp_strlcpy(cgline, line, sizeof(cgline));
		CHECK(strstr(cgline, "thermpace-") == NULL);
	}
	kill_wait(child);
	tp_pace_state_close(&st);
	rm_tmp();
}

static void test_signal_duty_cycle(void)
{
	struct tp_pace_state st;
	struct tp_actuator a;
	char rt[256];
	double t0, now, next, c0, c1;
	pid_t child;
	int stopped_seen = 0;

	if (make_tmp() < 0)
		SKIP("no temporary directory");
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	CHECK_INT(tp_pace_state_open(&st, rt), 0);
	child = spawn_busy();
	CHECK_INT(tp_act_signal_open(&a, &st, child, 0, 0.1), 0);
	CHECK(tp_act_signal_open(&a, &st, 1, 0, 0.1) < 0); /* never init */
	CHECK_INT(tp_act_signal_open(&a, &st, child, 0, 0.1), 0);
	t0 = tp_mono_now();
	c0 = cpu_seconds(child);
	CHECK_INT(tp_actuator_set(&a, 0.25, t0), 0);
	CHECK(isinf(tp_actuator_poll(&a, t0)) == 0);
	do {
		now = tp_mono_now();
		next = tp_actuator_poll(&a, now);
		if (proc_state(child) == 'T')
			stopped_seen = 1;
		sleep_s(fmin(0.01, fmax(0.0, next - tp_mono_now())));
	} while (now - t0 < 1.2);
	c1 = cpu_seconds(child);
	printf("# duty 0.25: %.2f CPU-s/s\n", (c1 - c0) / (now - t0));
	CHECK(stopped_seen);
	CHECK((c1 - c0) / (now - t0) < 0.6);
	/* stop it, then restore: the state file continues it */
	while (!a.stopped)
		tp_actuator_poll(&a, tp_mono_now() + 1);
	sleep_s(0.05);
	CHECK(proc_state(child) == 'T');
	CHECK_INT(tp_pace_state_restore(&st, stdout), 0);
	sleep_s(0.05);
	CHECK(proc_state(child) != 'T');
	/* full duty: nothing cycles */
	CHECK_INT(tp_actuator_set(&a, 1.0, tp_mono_now()), 0);
	CHECK(isinf(tp_actuator_poll(&a, tp_mono_now())));
	kill_wait(child);
	tp_pace_state_close(&st);
	rm_tmp();
}

/*
 * A daemon (a forked process) stops a child and caps a clock, then dies by
 * SIGKILL: its guardian continues the child and puts the clock back.
 */
static void test_guardian_after_sigkill(void)
{
	char rt[256], root[256], cpath[512], sp[512];
	int sync_pipe[2], i;
	pid_t child, daemon;
	char c = 0;

	if (make_tmp() < 0 || copy_fixture("fixtures/actuators/nano", "root") < 0)
		SKIP("cannot make a temporary copy of the fixture tree");
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(cpath, sizeof(cpath), "%s/sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq",
		 root);
	child = spawn_busy();
	if (pipe(sync_pipe) < 0)
		SKIP("no pipe");
	daemon = fork();
	if (daemon == 0) {
		struct tp_pace_state st;
		struct tp_actuator a, s;

		close(sync_pipe[0]);
		if (tp_pace_state_open(&st, rt) < 0 || tp_pace_state_guard(&st, -1, -1) < 0 ||
		    tp_act_clock_open(&a, TP_ACT_CPUFREQ, &st, root, NULL) < 0 ||
		    tp_actuator_set(&a, 0.0, 0) < 0 ||
		    tp_act_signal_open(&s, &st, child, 0, 10) < 0 ||
		    tp_actuator_set(&s, 0.05, 0) < 0)
			_exit(1);
		tp_actuator_poll(&s, 1); /* stop it now */
		c = 1;
		if (write(sync_pipe[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(sync_pipe[1]);
	CHECK_INT(read(sync_pipe[0], &c, 1), 1);
	close(sync_pipe[0]);
	sleep_s(0.05);
	CHECK(proc_state(child) == 'T');
	CHECK_INT(read_long_at(cpath), 102000);
	kill(daemon, SIGKILL);
	waitpid(daemon, NULL, 0);
	for (i = 0; i < 200 && (proc_state(child) == 'T' || read_long_at(cpath) != 1479000); i++)
		sleep_s(0.02);
	CHECK(proc_state(child) != 'T');
	CHECK_INT(read_long_at(cpath), 1479000);
	snprintf(sp, sizeof(sp), "%s/state-%d.json", rt, (int)daemon);
	for (i = 0; i < 100 && access(sp, F_OK) == 0; i++)
		sleep_s(0.02);
	CHECK(access(sp, F_OK) < 0);
	kill_wait(child);
	rm_tmp();
}

static void test_restore_dir(void)
{
	char rt[256], root[256], cpath[512], sp[512], text[1024];
	struct tp_pace_state st;
	int files = -1;
	pid_t dead;

	if (make_tmp() < 0 || copy_fixture("fixtures/actuators/nano", "root") < 0)
		SKIP("cannot make a temporary copy of the fixture tree");
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(cpath, sizeof(cpath), "%s/sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq",
		 root);
	tp_mkdir_p(rt, 0750);
	/* a daemon that crashed: its pid no longer runs */
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(sp, sizeof(sp), "%s/state-%d.json", rt, (int)dead);
	snprintf(text, sizeof(text),
		 "{\"version\":1,\"pid\":%d,\"start_ticks\":1,\"entries\":["
		 "{\"kind\":\"file\",\"path\":\"%s\",\"value\":\"1479000\"}]}",
		 (int)dead, cpath);
	CHECK_INT(tp_write_file_atomic(sp, text, strlen(text)), 0);
	tp_sysfs_write(cpath, "204000");
	/* and a live one: ours */
	CHECK_INT(tp_pace_state_open(&st, rt), 0);
	CHECK_INT(tp_pace_state_restore_dir(rt, 0, stdout, &files), 0);
	CHECK_INT(files, 1);
	CHECK_INT(read_long_at(cpath), 1479000);
	CHECK(access(sp, F_OK) < 0);
	CHECK_INT(access(st.path, F_OK), 0); /* the live daemon's is kept */
	CHECK_INT(tp_pace_state_restore_dir(rt, 1, stdout, &files), 0);
	CHECK_INT(files, 1);
	CHECK(access(st.path, F_OK) < 0);
	tp_pace_state_close(&st);
	/* garbage in a state file: said, not crashed */
	tp_write_file_atomic(sp, "{not json", 9);
	CHECK(tp_pace_state_restore_dir(rt, 0, stdout, &files) < 0);
	CHECK_INT(tp_pace_state_restore_dir("/nonexistent/thermpace", 0, stdout, &files), 0);
	CHECK_INT(files, 0);
	rm_tmp();
}

static void test_probe(void)
{
	struct tp_act_probe p[TP_ACT_NKINDS];
	struct tp_board b;
	char root[256], rt[256], cpath[512];
	int n, i;

	if (make_tmp() < 0 || copy_fixture("fixtures/actuators/nano", "root") < 0)
		SKIP("cannot make a temporary copy of the fixture tree");
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(rt, sizeof(rt), "%s/run", tmp);
	setenv("THERMPACE_RUNTIME_DIR", rt, 1);
	CHECK_INT(load_nano(&b), 0);
	n = tp_actuator_probe(root, &b, p, TP_ACT_NKINDS);
	CHECK_INT(n, TP_ACT_NKINDS);
	for (i = 0; i < n; i++)
		printf("# %-8s allowed %d usable %d target '%s' lacks '%s'\n",
		       tp_act_kind_name(p[i].kind), p[i].allowed, p[i].usable, p[i].target,
		       p[i].lacks);
	CHECK(p[TP_ACT_SOCKET].usable);
	CHECK(strstr(p[TP_ACT_SOCKET].target, "/run/pace.sock") != NULL);
	CHECK(!p[TP_ACT_CGROUP].usable);
	CHECK(strstr(p[TP_ACT_CGROUP].lacks, "cgroup cpu controller") != NULL);
	CHECK(p[TP_ACT_CPUFREQ].usable);
	CHECK(strstr(p[TP_ACT_CPUFREQ].target, "policy0/scaling_max_freq") != NULL);
	CHECK(p[TP_ACT_DEVFREQ].usable);
	CHECK(p[TP_ACT_SIGNAL].usable);
	/* a read-only cap file: the privilege it lacks is said */
	snprintf(cpath, sizeof(cpath), "%s/sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq",
		 root);
	chmod(cpath, 0444);
	n = tp_actuator_probe(root, &b, p, TP_ACT_NKINDS);
	CHECK(!p[TP_ACT_CPUFREQ].usable);
	CHECK(strstr(p[TP_ACT_CPUFREQ].lacks, "write access") != NULL);
	/* the sim board does not allow cpufreq */
	tp_board_free(&b);
	if (tp_board_load(&b, "boards/sim.ini") == 0) {
		n = tp_actuator_probe(root, &b, p, 3);
		CHECK_INT(n, 3);
		CHECK(!p[TP_ACT_CPUFREQ - 0].allowed || p[2].kind != TP_ACT_CPUFREQ);
		tp_actuator_probe(root, &b, p, TP_ACT_NKINDS);
		CHECK(!p[TP_ACT_DEVFREQ].allowed);
		CHECK(strstr(p[TP_ACT_DEVFREQ].lacks, "not allowed") != NULL);
	}
	tp_board_free(&b);
	unsetenv("THERMPACE_RUNTIME_DIR");
	rm_tmp();
}

static void test_power_map(void)
{
	struct tp_power_map m;
	double s;
	int i;

	tp_act_power_map_init(&m, 3.8, 7.2);
	CHECK_NEAR(tp_act_power_map_setting(&m, 5.5, 0.05), 0.5, 1e-9);
	CHECK_NEAR(tp_act_power_map_setting(&m, 1.0, 0.05), 0.05, 0);
	CHECK_NEAR(tp_act_power_map_setting(&m, 99, 0.05), 1.0, 0);
	/* the board really draws 4 + 2 s: learned within a few dozen samples */
	for (i = 0; i < 60; i++) {
		s = 0.2 + 0.6 * (double)(i % 7) / 6.0;
		tp_act_power_map_update(&m, s, 4.0 + 2.0 * s + 0.02 * ((i % 3) - 1));
	}
	CHECK_NEAR(m.a, 4.0, 0.05);
	CHECK_NEAR(m.b, 2.0, 0.1);
	CHECK_NEAR(tp_act_power_map_setting(&m, 5.0, 0.05), 0.5, 0.05);
	/* a nonsense fit (power falling with the setting) is not trusted */
	for (i = 0; i < 200; i++)
		tp_act_power_map_update(&m, (i % 2) ? 0.9 : 0.1, (i % 2) ? 4.0 : 7.0);
	CHECK(m.b < 0);
	CHECK_NEAR(tp_act_power_map_setting(&m, 5.5, 0.05), 0.5, 1e-9); /* the prior */
}

int main(void)
{
	RUN(test_clock_caps_restored);
	RUN(test_clock_without_board);
	RUN(test_cgroup_v2_attach_fixture);
	RUN(test_cgroup_v1_real);
	RUN(test_signal_duty_cycle);
	RUN(test_guardian_after_sigkill);
	RUN(test_restore_dir);
	RUN(test_probe);
	RUN(test_power_map);
	return test_done();
}
