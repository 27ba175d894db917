/*
 * The live write count of a one-shot llama.cpp (src/pace/llama_writes.h):
 * the io file's parser on a real capture and malformed text, the
 * arithmetic (start at the generate line after the settle time, stderr
 * output dropping its interval, the check at the eval line), and the
 * reading of a file rewritten between samples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pace/llama_writes.h"
#include "test.h"

static void test_parse(void)
{
	char buf[512];
	double v = -1;
	size_t n;
	FILE *f = fopen("fixtures/llama/llama-completion-proc-io.txt", "r");

	if (!f)
		SKIP("cannot read fixtures/llama/llama-completion-proc-io.txt");
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK_INT(tp_llama_writes_parse(buf, n, &v), 0);
	CHECK_NEAR(v, 72, 0);
	/* malformed: nothing written */
	v = -1;
	CHECK_INT(tp_llama_writes_parse("rchar: 1\nsyscr: 2\n", 18, &v), -EINVAL);
	CHECK_INT(tp_llama_writes_parse("syscw: abc\n", 11, &v), -EINVAL);
	CHECK_INT(tp_llama_writes_parse("syscw:\n", 7, &v), -EINVAL);
	CHECK_INT(tp_llama_writes_parse("syscw: -3\n", 10, &v), -EINVAL);
	CHECK_INT(tp_llama_writes_parse("syscw: 12x\n", 11, &v), -EINVAL);
	CHECK_INT(tp_llama_writes_parse("xsyscw: 12\n", 11, &v), -EINVAL);
	CHECK_NEAR(v, -1, 0);
	/* the last line without a newline; a length that cuts the text */
	CHECK_INT(tp_llama_writes_parse("wchar: 9\nsyscw: 42", 18, &v), 0);
	CHECK_NEAR(v, 42, 0);
	CHECK_INT(tp_llama_writes_parse("syscw: 4299", 9, &v), 0);
	CHECK_NEAR(v, 42, 0);
}

static void test_arithmetic(void)
{
	struct tp_llama_writes w;
	double n = -1, s = -1;

	tp_llama_writes_init(&w);
	/* before the generate line nothing counts (load-time log writes) */
	CHECK_INT(tp_llama_writes_step(&w, 30, 0.8, &n, &s), 0);
	tp_llama_writes_generate(&w, 1.0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_ARMED);
	/* within the settle time: the prompt's echo still to come, no base */
	CHECK_INT(tp_llama_writes_step(&w, 40, 1.1, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_ARMED);
	/* the base */
	CHECK_INT(tp_llama_writes_step(&w, 47, 1.2, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_LIVE);
	/* one write per token; the first interval stands for the 0.2 s before the base too */
	CHECK_INT(tp_llama_writes_step(&w, 57, 1.4, &n, &s), 1);
	CHECK_NEAR(n, 20, 1e-9);
	CHECK_NEAR(s, 0.4, 1e-12);
	CHECK_INT(tp_llama_writes_step(&w, 67, 1.6, &n, &s), 1);
	CHECK_NEAR(n, 10, 0);
	CHECK_NEAR(s, 0.2, 1e-12);
	/* stderr output: its interval is dropped, a new base after settling */
	tp_llama_writes_stderr(&w, 1.7);
	CHECK_INT(tp_llama_writes_step(&w, 90, 1.8, &n, &s), 0);
	CHECK_INT(tp_llama_writes_step(&w, 91, 1.9, &n, &s), 0);
	CHECK_INT(tp_llama_writes_step(&w, 96, 2.2, &n, &s), 1); /* no lead again */
	CHECK_NEAR(n, 5, 0);
	CHECK_NEAR(s, 0.3, 1e-12);
	/* a second generate line changes nothing */
	tp_llama_writes_generate(&w, 2.3);
	CHECK_INT(w.state, TP_LLAMA_WRITES_LIVE);
	/* no time passed: nothing given */
	CHECK_INT(tp_llama_writes_step(&w, 97, 2.2, &n, &s), 0);
	/* the check at the eval line: the writes counted, then stopped */
	CHECK_INT(tp_llama_writes_check(&w, &n, &s), 1);
	CHECK_NEAR(n, 25, 0);
	CHECK_NEAR(s, 0.7, 1e-12);
	CHECK_INT(tp_llama_writes_step(&w, 200, 3.0, &n, &s), 0);
	/* never started: no check */
	tp_llama_writes_init(&w);
	CHECK_INT(tp_llama_writes_check(&w, &n, &s), 0);
	/* a count that goes down (another process), or NaN, stops it */
	tp_llama_writes_init(&w);
	tp_llama_writes_generate(&w, 0);
	tp_llama_writes_step(&w, 100, 1, &n, &s);
	CHECK_INT(tp_llama_writes_step(&w, 99, 2, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_DONE);
	tp_llama_writes_init(&w);
	tp_llama_writes_generate(&w, 0);
	CHECK_INT(tp_llama_writes_step(&w, NAN, 1, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_DONE);
}

static void test_read(void)
{
	char dir[256], path[512];
	struct tp_llama_writes w;
	double n = -1, s = -1;

	if (test_tmpdir(dir, sizeof(dir), "llama-writes") < 0)
		SKIP("no scratch directory");
	snprintf(path, sizeof(path), "%s/io", dir);
	tp_llama_writes_init(&w);
	CHECK(tp_llama_writes_open(&w, path) == -ENOENT);
	CHECK_INT(test_write_at(dir, "io", "rchar: 5\nwchar: 7\nsyscr: 1\nsyscw: 100\n"), 0);
	CHECK_INT(tp_llama_writes_open(&w, path), 0);
	tp_llama_writes_generate(&w, 0);
	CHECK_INT(tp_llama_writes_sample(&w, 1, &n, &s), 0);
	CHECK_INT(test_write_at(dir, "io", "rchar: 5\nwchar: 9\nsyscr: 1\nsyscw: 120\n"), 0);
	CHECK_INT(tp_llama_writes_sample(&w, 2, &n, &s), 1);
	CHECK_NEAR(n, 40, 1e-9); /* 20 writes in 1 s, standing for the 1 s before too */
	CHECK_NEAR(s, 2, 1e-12);
	CHECK_NEAR(w.counted, 20, 0);
	/* unreadable (the process ended): stopped */
	CHECK_INT(test_write_at(dir, "io", ""), 0);
	CHECK_INT(tp_llama_writes_sample(&w, 3, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_DONE);
	tp_llama_writes_close(&w);
	CHECK_INT(w.fd, -1);
	test_rmtree(dir);
}

/*
 * Attached: no stderr, the count told from the bytes per write (a real
 * capture's load-time logs average 22 to 32 bytes a write, its pieces 1).
 */
static void test_attached(void)
{
	static const char cl[] = "/opt/llama/bin/llama-completion\0-m\0m.gguf\0-n\0200";
	static const char old[] = "llama-cli\0-m\0m.gguf\0-no-cnv";
	static const char chat[] = "llama-cli\0-m\0m.gguf";
	static const char other[] = "python3\0llama-completion";
	struct tp_llama_writes w;
	double n = -1, s = -1;

	CHECK_INT(tp_llama_writes_oneshot(cl, sizeof(cl)), 1);
	CHECK_INT(tp_llama_writes_oneshot(old, sizeof(old)), 1);
	CHECK_INT(tp_llama_writes_oneshot(chat, sizeof(chat)), 0);
	CHECK_INT(tp_llama_writes_oneshot(other, sizeof(other)), 0);
	CHECK_INT(tp_llama_writes_oneshot("", 0), 0);
	CHECK_INT(tp_llama_writes_parse_bytes("wchar: 1228\nsyscw: 72\n", 22, &n), 0);
	CHECK_NEAR(n, 1228, 0);
	tp_llama_writes_init(&w);
	tp_llama_writes_attached(&w);
	/* the first sample is the reference; load-time log lines: waiting */
	CHECK_INT(tp_llama_writes_step_sized(&w, 10, 300, 0.2, &n, &s), 0);
	CHECK_INT(tp_llama_writes_step_sized(&w, 43, 1364, 0.4, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_WAIT);
	/* the generate line makes no difference here */
	tp_llama_writes_generate(&w, 0.5);
	CHECK_INT(w.state, TP_LLAMA_WRITES_WAIT);
	/* pieces: counted from the end of this interval */
	CHECK_INT(tp_llama_writes_step_sized(&w, 46, 1367, 0.6, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_LIVE);
	CHECK_INT(tp_llama_writes_step_sized(&w, 50, 1375, 0.8, &n, &s), 1);
	CHECK_NEAR(n, 4, 0);
	CHECK_NEAR(s, 0.2, 1e-12);
	/* stopped: no writes, its seconds count */
	CHECK_INT(tp_llama_writes_step_sized(&w, 50, 1375, 1.0, &n, &s), 1);
	CHECK_NEAR(n, 0, 0);
	/* the closing perf lines: dropped, waiting again */
	CHECK_INT(tp_llama_writes_step_sized(&w, 60, 1900, 1.2, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_WAIT);
	CHECK_NEAR(w.counted, 4, 0);
	/* a count that goes down stops it */
	CHECK_INT(tp_llama_writes_step_sized(&w, 5, 1900, 1.4, &n, &s), 0);
	CHECK_INT(w.state, TP_LLAMA_WRITES_DONE);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_arithmetic);
	RUN(test_read);
	RUN(test_attached);
	return test_done();
}
