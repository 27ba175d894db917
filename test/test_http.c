/*
 * The HTTP parts over real loopback sockets: the llama-server scraper
 * against a libmicrohttpd server that serves canned llama-server metrics,
 * and the /metrics exporter read with libcurl (and promtool when present).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "pace/llama_scrape.h"
#include "pace/metrics_http.h"
#include "pace/prom_text.h"
#include "util.h"
#include "test.h"

/* ---- a canned llama-server ---------------------------------------------- */

static char *canned;
static size_t canned_len;
static int canned_requests;

static enum MHD_Result fake_llama(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **req)
{
	static int marker;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;
	const char *body = canned;
	size_t len = canned_len;

	(void)cls;
	(void)method;
	(void)version;
	(void)data;
	(void)data_size;
	if (!*req) {
		*req = &marker;
		return MHD_YES;
	}
	__atomic_add_fetch(&canned_requests, 1, __ATOMIC_SEQ_CST);
	if (strcmp(url, "/nometrics") == 0) {
		status = 501;
		body =
		    "{\"error\":{\"code\":501,\"message\":\"This server does not support metrics "
		    "endpoint.\"}}";
		len = strlen(body);
	} else if (strcmp(url, "/empty") == 0) {
		body = "# nothing here\nother_metric 1\n";
		len = strlen(body);
	} else if (strcmp(url, "/inf") == 0) {
		body = "llamacpp:tokens_predicted_total +Inf\n"
		       "llamacpp:tokens_predicted_seconds_total 12.5\n";
		len = strlen(body);
	} else if (strcmp(url, "/negative") == 0) {
		body = "llamacpp:tokens_predicted_total 10\n"
		       "llamacpp:tokens_predicted_seconds_total -3\n"
		       "llamacpp:prompt_tokens_total NaN\n";
		len = strlen(body);
	} else if (strcmp(url, "/void") == 0) {
		body = "";
		len = 0;
	} else if (strcmp(url, "/slow") == 0) {
		usleep(600 * 1000);
	}
	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Daemon *start_fake(int *port)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
			     NULL, NULL, fake_llama, NULL, MHD_OPTION_SOCK_ADDR, &sa,
			     MHD_OPTION_END);
	if (!d)
		return NULL;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	return d;
}

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(fd); /* nothing listens there any more */
	return port;
}

/* 1 when every IPv4/IPv6 socket not open before (was[fd] 0) is close-on-exec. */
static int new_inet_sockets_cloexec(const char *was, int *seen)
{
	int fd, ok = 1;

	for (fd = 0; fd < 256; fd++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int flags = fcntl(fd, F_GETFD);

		if (was[fd] || flags < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		++*seen;
		if (!(flags & FD_CLOEXEC))
			ok = 0;
	}
	return ok;
}

static void test_scrape_llama_server(void)
{
	struct tp_llama_scrape *s = NULL;
	struct tp_llama_counters c = {0, 0, 0, 0};
	struct MHD_Daemon *d;
	char url[128], err[300], was_open[256];
	int port = 0, i, seen = 0;

	d = start_fake(&port);
	if (!d || !port) {
		SKIP("cannot start a loopback HTTP server");
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", port);
	for (i = 0; i < 256; i++)
		was_open[i] = fcntl(i, F_GETFD) >= 0;
	CHECK_INT(tp_llama_scrape_open(&s, url, 2.0, err, sizeof(err)), 0);
	for (i = 0; i < 3 && s; i++) { /* the handle is reused across scrapes */
		CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), 0);
		CHECK_NEAR(c.tokens_predicted_total, 3469, 0);
		CHECK_NEAR(c.tokens_predicted_seconds_total, 3544.27, 1e-9);
		CHECK_NEAR(c.prompt_tokens_total, 6886, 0);
		CHECK_NEAR(c.prompt_seconds_total, 29.0363, 1e-9);
	}
	CHECK_INT(__atomic_load_n(&canned_requests, __ATOMIC_SEQ_CST), 3);
	/* the kept-alive connection is not inherited by the children thermpace starts */
	CHECK(new_inet_sockets_cloexec(was_open, &seen));
	CHECK(seen > 0);
	tp_llama_scrape_close(s);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/nometrics", port);
	CHECK_INT(tp_llama_scrape_open(&s, url, 2.0, err, sizeof(err)), 0);
	c.tokens_predicted_total = -1;
	CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "501") && strstr(err, "--metrics"));
	CHECK_NEAR(c.tokens_predicted_total, -1, 0); /* untouched on failure */
	tp_llama_scrape_close(s);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/empty", port);
	CHECK_INT(tp_llama_scrape_open(&s, url, 2.0, err, sizeof(err)), 0);
	CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), -ENOENT);
	tp_llama_scrape_close(s);

	/* a counter that is not a count is no counter: never handed on as a reading */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/inf", port);
	CHECK_INT(tp_llama_scrape_open(&s, url, 2.0, err, sizeof(err)), 0);
	c.tokens_predicted_total = -1;
	CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), -ENOENT);
	CHECK_NEAR(c.tokens_predicted_total, -1, 0);
	tp_llama_scrape_close(s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/negative", port);
	CHECK_INT(tp_llama_scrape_open(&s, url, 2.0, err, sizeof(err)), 0);
	CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), -ENOENT);
	tp_llama_scrape_close(s);
	/* an empty 200 answer: no body buffer was ever allocated */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/void", port);
	CHECK_INT(tp_llama_scrape_open(&s, url, 2.0, err, sizeof(err)), 0);
	CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), -ENOENT);
	tp_llama_scrape_close(s);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", port);
	CHECK_INT(tp_llama_scrape_open(&s, url, 0.2, err, sizeof(err)), 0);
	CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), -ETIMEDOUT);
	tp_llama_scrape_close(s);
	MHD_stop_daemon(d);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", free_port());
	CHECK_INT(tp_llama_scrape_open(&s, url, 1.0, err, sizeof(err)), 0);
	CHECK_INT(tp_llama_scrape_get(s, &c, err, sizeof(err)), -ECONNREFUSED);
	CHECK(strstr(err, "cannot scrape") != NULL);
	tp_llama_scrape_close(s);

	CHECK_INT(tp_llama_scrape_open(&s, "ftp://x/metrics", 1.0, err, sizeof(err)), -EINVAL);
	CHECK_INT(tp_llama_scrape_open(&s, "http://x/metrics", 0, err, sizeof(err)), -EINVAL);
}

/* ---- the /metrics exporter ---------------------------------------------- */

struct reply {
	long status;
	char *body;
	size_t len;
	char allow[64];
	char ctype[128];
};

static size_t on_data(char *d, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	char *b = realloc(r->body, r->len + size * n + 1);

	if (!b)
		return 0;
	memcpy(b + r->len, d, size * n);
	r->body = b;
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t on_header(char *d, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n;

	if (len > 6 && strncasecmp(d, "Allow:", 6) == 0)
		snprintf(r->allow, sizeof(r->allow), "%.*s", (int)(len - 6), d + 6);
	return len;
}

static int http(const char *method, int port, const char *path, struct reply *r)
{
	CURL *c = curl_easy_init();
	char url[128], *ct = NULL;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "a=b");
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if (ct)
		snprintf(r->ctype, sizeof(r->ctype), "%s", ct);
	curl_easy_cleanup(c);
	if (!r->body)
		r->body = calloc(1, 1);
	return rc == CURLE_OK ? 0 : -EIO;
}

static void test_metric_names(void)
{
	/* channel, family, labels as k=v,k=v ("" none), 'c' counter or 'g' gauge */
	static const char *const cases[][4] = {
	    {"temp.cpu", "thermpace_temperature_celsius", "zone=cpu", "g"},
	    {"temp.soc-thermal", "thermpace_temperature_celsius", "zone=soc-thermal", "g"},
	    {"power.board", "thermpace_power_watts", "rail=board", "g"},
	    {"energy.board", "thermpace_energy_joules_total", "rail=board", "c"},
	    {"energy.rapl_core", "thermpace_energy_joules_total", "rail=rapl_core", "c"},
	    {"freq.cpu", "thermpace_frequency_hertz", "domain=cpu", "g"},
	    {"freq.cpu_b1_max", "thermpace_frequency_max_hertz", "domain=cpu_b1", "g"},
	    {"freq.gpu_hwmax", "thermpace_frequency_hardware_max_hertz", "domain=gpu", "g"},
	    {"util.cpu", "thermpace_utilization_ratio", "domain=cpu", "g"},
	    {"volt.core", "thermpace_voltage_volts", "rail=core", "g"},
	    {"curr.in", "thermpace_current_amperes", "rail=in", "g"},
	    {"tokens.total", "thermpace_tokens_total", "", "c"},
	    {"tokens.prompt", "thermpace_tokens_prompt_total", "", "c"},
	    {"rate.tokens", "thermpace_tokens_per_second", "kind=achieved", "g"},
	    {"rate.granted", "thermpace_tokens_per_second", "kind=granted", "g"},
	    {"forecast.sustainable_rate", "thermpace_tokens_per_second", "kind=sustainable", "g"},
	    {"forecast.thermal_rate", "thermpace_tokens_per_second", "kind=thermal", "g"},
	    {"state.cool_max", "thermpace_cooling_state_max", "", "g"},
	    {"state.cool_pwm_fan", "thermpace_cooling_state", "device=pwm_fan", "g"},
	    {"state.x86_throttle", "thermpace_x86_throttle_events_total", "", "c"},
	    {"state.throttled", "thermpace_throttled", "", "g"},
	    {"state.something", "thermpace_state_something", "", "g"},
	    {"forecast.temp_now", "thermpace_forecast_temperature_celsius", "horizon_seconds=0",
	     "g"},
	    {"forecast.temp_30s", "thermpace_forecast_temperature_celsius", "horizon_seconds=30",
	     "g"},
	    {"forecast.temp_600s_hi", "thermpace_forecast_band_celsius",
	     "horizon_seconds=600,edge=hi", "g"},
	    {"forecast.temp_30s_lo", "thermpace_forecast_band_celsius",
	     "horizon_seconds=30,edge=lo", "g"},
	    {"forecast.time_to_ceiling_s", "thermpace_time_to_ceiling_seconds", "", "g"},
	    {"forecast.sustainable_power_w", "thermpace_sustainable_power_watts", "", "g"},
	    {"forecast.ambient_c", "thermpace_ambient_estimate_celsius", "", "g"},
	    {"forecast.joules_per_token", "thermpace_energy_per_token_joules", "", "g"},
	    {"forecast.new_thing_s", "thermpace_forecast_new_thing_seconds", "", "g"},
	    {"forecast.temp_5x", "thermpace_forecast_temp_5x", "", "g"},
	    {"audio.rms_dbfs", "thermpace_acoustic_rms_decibels", "stat=mean", "g"},
	    {"audio.centroid_hz_p90", "thermpace_acoustic_centroid_hertz", "stat=p90", "g"},
	    {"audio.band_2k_8k_db", "thermpace_acoustic_band_decibels", "band=2k_8k,stat=mean",
	     "g"},
	    {"audio.band_1k5_22k05_db_p90", "thermpace_acoustic_band_decibels",
	     "band=1k5_22k05,stat=p90", "g"},
	    {"audio.peak12_hz", "thermpace_acoustic_peak_hertz", "peak=12,stat=mean", "g"},
	    {"audio.peak1_db", "thermpace_acoustic_peak_decibels", "peak=1,stat=mean", "g"},
	    {"audio.band_db", "thermpace_audio_band_decibels", "", "g"},
	    {"battery.soc", "thermpace_battery_charge_percent", "", "g"},
	    {"battery.power", "thermpace_battery_power_watts", "", "g"},
	    {"solar.power", "thermpace_solar_power_watts", "", "g"},
	    {"solar.forecast", "thermpace_solar_forecast_watts", "", "g"},
	    {"budget.energy_rate", "thermpace_budget_tokens_per_second", "budget=energy", "g"},
	    {"budget.thermal_rate", "thermpace_budget_tokens_per_second", "budget=thermal", "g"},
	};
	struct tp_metrics_family f;
	char labels[256];
	size_t i;
	int k;

	for (i = 0; i < TP_ARRAY_LEN(cases); i++) {
		CHECK_INT(tp_metrics_family(cases[i][0], &f), 0);
		CHECK_STR(f.name, cases[i][1]);
		labels[0] = '\0';
		for (k = 0; k < f.nlabels; k++)
			snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels),
				 "%s%s=%s", k ? "," : "", f.label[k][0], f.label[k][1]);
		CHECK_STR(labels, cases[i][2]);
		CHECK_INT(f.counter, cases[i][3][0] == 'c');
		CHECK(f.help && f.help[0]);
	}
	CHECK_INT(tp_metrics_family("bogus.x", &f), -EINVAL);
	CHECK_INT(tp_metrics_family("temp.", &f), -EINVAL);
	CHECK_INT(tp_metrics_family("temp", &f), -EINVAL);
}

static const char *line_of(const char *body, const char *prefix)
{
	const char *p = body;
	size_t n = strlen(prefix);

	while (p && *p) {
		if (strncmp(p, prefix, n) == 0)
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int have_promtool(void)
{
	return system("command -v promtool >/dev/null 2>&1") == 0;
}

/* promtool check metrics on body: 0 ok, 1 complaint (printed), -1 none. */
static int promtool_check(const char *body, size_t len)
{
	char dir[256], path[512], cmd[1600];
	FILE *f;
	int rc;

	if (test_tmpdir(dir, sizeof(dir), "prom") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/m.txt", dir);
	f = fopen(path, "w");
	if (!f) {
		test_rmtree(dir);
		return -1;
	}
	fwrite(body, 1, len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "promtool check metrics <%s >%s/out 2>&1; r=$?; "
		 "sed 's/^/#   promtool: /' %s/out; exit $r",
		 path, dir, dir);
	rc = system(cmd);
	test_rmtree(dir);
	return rc == 0 ? 0 : 1;
}

static char *exported; /* the body test_exporter got, for test_promtool */

static void test_exporter(void)
{
	struct tp_metrics *m = NULL;
	struct tp_chanset set;
	struct reply r;
	char err[300];
	double v[8];
	int port;

	if (tp_metrics_open(&m, "127.0.0.1:0", err, sizeof(err)) < 0) {
		printf("#   %s\n", err);
		SKIP("cannot listen on 127.0.0.1");
	}
	port = tp_metrics_port(m);
	CHECK(port > 0);
	tp_chanset_init(&set);
	tp_chanset_add(&set, "temp.cpu");
	tp_chanset_add(&set, "power.board");
	tp_chanset_add(&set, "energy.board");
	tp_chanset_add(&set, "tokens.total");
	tp_chanset_add(&set, "util.cpu");
	tp_chanset_add(&set, "temp.gpu");
	v[0] = 41.5;
	v[1] = 7.25;
	v[2] = 1234.5;
	v[3] = 777;
	v[4] = 0.5;
	v[5] = NAN;
	CHECK_INT(tp_metrics_update(m, &set, v, 12.5), 0);
	CHECK_INT(tp_metrics_count_event(m, "pace_change", NULL), 0);
	CHECK_INT(tp_metrics_count_event(m, "pace_change", NULL), 0);
	CHECK_INT(tp_metrics_count_event(m, "sensor_offset", "sensor_fault"), 0);
	CHECK_INT(tp_metrics_count_event(m, "kernel_throttle", "genuine"), 0);
	CHECK_INT(tp_metrics_count_event(m, "kernel_throttle", "genuine"), 0);
	CHECK_INT(tp_metrics_count_event(m, "kernel_throttle", "unknown"), 0);
	CHECK_INT(tp_metrics_count_event(m, "", NULL), -EINVAL);
	CHECK_INT(tp_metrics_count_event(m, "x", ""), -EINVAL);
	{
		struct tp_metrics_board mb = {"jetson-nano", "Jetson \"Nano\"", "temp.cpu", 80, 77};

		tp_metrics_set_board(m, &mb);
	}

	CHECK_INT(http("GET", port, "/metrics", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
	CHECK(line_of(r.body, "thermpace_up 1\n") != NULL);
	CHECK(line_of(r.body, "thermpace_temperature_celsius{zone=\"cpu\"} 41.5\n"));
	CHECK(line_of(r.body, "# TYPE thermpace_temperature_celsius gauge\n"));
	CHECK(line_of(r.body, "thermpace_power_watts{rail=\"board\"} 7.25\n"));
	CHECK(line_of(r.body, "# TYPE thermpace_energy_joules_total counter\n"));
	CHECK(line_of(r.body, "thermpace_energy_joules_total{rail=\"board\"} 1234.5\n"));
	CHECK(line_of(r.body, "# TYPE thermpace_tokens_total counter\n"));
	CHECK(line_of(r.body, "thermpace_tokens_total 777\n"));
	CHECK(line_of(r.body, "thermpace_utilization_ratio{domain=\"cpu\"} 0.5\n"));
	CHECK(line_of(r.body, "thermpace_board_info{board=\"jetson-nano\",description=\"Jetson "
			      "\\\"Nano\\\"\",control=\"temp.cpu\"} 1\n"));
	CHECK(line_of(r.body, "thermpace_ceiling_celsius 80\n"));
	CHECK(line_of(r.body, "thermpace_set_point_celsius 77\n"));
	CHECK(line_of(r.body,
		      "thermpace_verdicts_total{event=\"kernel_throttle\",verdict=\"genuine\"} "
		      "2\n"));
	CHECK(line_of(r.body,
		      "thermpace_verdicts_total{event=\"sensor_offset\",verdict=\"sensor_fault\"} "
		      "1\n"));
	CHECK(line_of(r.body, "thermpace_events_total{event=\"kernel_throttle\"} 3\n"));
	CHECK(line_of(r.body, "thermpace_frame_time_seconds 12.5\n"));
	CHECK(line_of(r.body, "thermpace_frames_total 1\n"));
	CHECK(line_of(r.body, "thermpace_events_total{event=\"pace_change\"} 2\n"));
	CHECK(line_of(r.body, "thermpace_events_total{event=\"sensor_offset\"} 1\n"));
	CHECK(strstr(r.body, "\"gpu\"") == NULL); /* no reading: left out */
	free(exported);
	exported = strdup(r.body);
	/* the body also reads back through our own Prometheus reader, no line rejected */
	{
		struct tp_prom_stats st;

		tp_prom_parse(r.body, r.len, NULL, NULL, &st);
		CHECK_INT(st.bad_lines, 0);
		CHECK(st.samples >= 9);
	}
	free(r.body);

	CHECK_INT(http("HEAD", port, "/metrics", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.len, 0);
	free(r.body);
	CHECK_INT(http("GET", port, "/metrics?x=1", &r), 0);
	CHECK_INT(r.status, 200);
	free(r.body);
	CHECK_INT(http("GET", port, "/", &r), 0);
	CHECK_INT(r.status, 404);
	free(r.body);
	CHECK_INT(http("GET", port, "/metrics/x", &r), 0);
	CHECK_INT(r.status, 404);
	free(r.body);
	CHECK_INT(http("POST", port, "/metrics", &r), 0);
	CHECK_INT(r.status, 405);
	CHECK(strstr(r.allow, "GET") != NULL);
	free(r.body);
	CHECK_INT(http("DELETE", port, "/metrics", &r), 0);
	CHECK_INT(r.status, 405);
	free(r.body);
	tp_metrics_close(m);
	/* closed: nothing listens any more */
	CHECK(http("GET", port, "/metrics", &r) < 0);
	free(r.body);
}

/* The exposition text passes Prometheus' own checker. */
static void test_promtool(void)
{
	if (!exported)
		SKIP("no body: the exporter test could not run");
	if (!have_promtool())
		SKIP("promtool not installed (Debian package 'prometheus')");
	CHECK_INT(promtool_check(exported, strlen(exported)), 0);
	/* and the checker does complain about a wrong body, so this test can fail */
	{
		const char *bad = "# TYPE x counter\nx 1\n";

		CHECK_INT(promtool_check(bad, strlen(bad)), 1);
	}
}

/* A render into a buffer that is too small fails whole, never half a frame. */
static void test_render_bounds(void)
{
	struct tp_metrics *m = NULL;
	struct tp_chanset set;
	char err[200], small[64], big[65536];
	double v[TP_MAX_CHANNELS];
	int i, len;

	if (tp_metrics_open(&m, "127.0.0.1:0", err, sizeof(err)) < 0)
		SKIP("cannot listen on 127.0.0.1");
	tp_chanset_init(&set);
	for (i = 0; i < TP_MAX_CHANNELS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "temp.zone%d", i);
		tp_chanset_add(&set, name);
		v[i] = i;
	}
	tp_metrics_update(m, &set, v, 1);
	CHECK_INT(tp_metrics_render(m, small, sizeof(small)), -ENOSPC);
	CHECK_STR(small, "");
	len = tp_metrics_render(m, big, sizeof(big));
	CHECK(len > 0);
	CHECK(strstr(big, "thermpace_temperature_celsius{zone=\"zone255\"} 255\n"));
	/* one family: one TYPE line for 256 zones */
	{
		const char *p = strstr(big, "# TYPE thermpace_temperature_celsius ");

		CHECK(p && !strstr(p + 1, "# TYPE thermpace_temperature_celsius "));
	}
	tp_metrics_close(m);
}

/*
 * An acoustic feature is held between its one-second readings (3 s at
 * most), other channels are not; two channels that map to one sample give
 * one line, never a duplicate that Prometheus would reject.
 */
static void test_hold_and_twins(void)
{
	struct tp_metrics *m = NULL;
	struct tp_chanset set;
	char err[200], buf[16384];
	double v[4] = {-30, 40, 1, 2};

	if (tp_metrics_open(&m, "127.0.0.1:0", err, sizeof(err)) < 0)
		SKIP("cannot listen on 127.0.0.1");
	tp_chanset_init(&set);
	tp_chanset_add(&set, "audio.rms_dbfs");
	tp_chanset_add(&set, "temp.cpu");
	tp_chanset_add(&set, "state.a-b");
	tp_chanset_add(&set, "state.a_b");
	tp_metrics_update(m, &set, v, 10);
	v[0] = NAN;
	v[1] = NAN;
	tp_metrics_update(m, &set, v, 12.5);
	CHECK(tp_metrics_render(m, buf, sizeof(buf)) > 0);
	CHECK(line_of(buf, "thermpace_acoustic_rms_decibels{stat=\"mean\"} -30\n"));
	CHECK(strstr(buf, "zone=\"cpu\"") == NULL);
	CHECK(line_of(buf, "thermpace_state_a_b 1\n"));
	CHECK(!strstr(buf, "thermpace_state_a_b 2\n"));
	tp_metrics_update(m, &set, v, 13.5);
	CHECK(tp_metrics_render(m, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "thermpace_acoustic_rms") == NULL); /* 3.5 s old: gone */
	tp_metrics_close(m);
}

struct writer {
	struct tp_metrics *m;
	volatile int stop;
	long frames;
};

static void *write_frames(void *arg)
{
	struct writer *w = arg;
	struct tp_chanset set;
	double v[64];
	int i;

	tp_chanset_init(&set);
	for (i = 0; i < 64; i++) {
		char name[32];

		snprintf(name, sizeof(name), "temp.z%d", i);
		tp_chanset_add(&set, name);
	}
	while (!w->stop) {
		w->frames++;
		for (i = 0; i < 64; i++)
			v[i] = (double)w->frames;
		tp_metrics_update(w->m, &set, v, (double)w->frames);
	}
	return NULL;
}

struct same {
	double first;
	int n, differ;
};

static int same_cb(const struct tp_prom_sample *s, void *ctx)
{
	struct same *c = ctx;

	if (strcmp(s->name, "thermpace_temperature_celsius") != 0 &&
	    strcmp(s->name, "thermpace_frame_time_seconds") != 0)
		return 0;
	if (c->n++ == 0)
		c->first = s->value;
	else if (s->value != c->first)
		c->differ++;
	return 0;
}

/* While frames are published as fast as possible, every scrape shows one whole frame. */
static void test_no_torn_frame(void)
{
	struct writer w = {NULL, 0, 0};
	pthread_t th;
	char err[200];
	int i, torn = 0, partial = 0, port;

	if (tp_metrics_open(&w.m, "127.0.0.1:0", err, sizeof(err)) < 0)
		SKIP("cannot listen on 127.0.0.1");
	port = tp_metrics_port(w.m);
	pthread_create(&th, NULL, write_frames, &w);
	while (__atomic_load_n(&w.frames, __ATOMIC_SEQ_CST) < 10)
		usleep(1000);
	for (i = 0; i < 100; i++) {
		struct reply r;
		struct same s = {0, 0, 0};

		if (http("GET", port, "/metrics", &r) < 0 || r.status != 200) {
			torn++;
			free(r.body);
			continue;
		}
		tp_prom_parse(r.body, r.len, same_cb, &s, NULL);
		if (s.differ)
			torn++;
		if (s.n != 65)
			partial++;
		free(r.body);
	}
	w.stop = 1;
	pthread_join(th, NULL);
	printf("# %ld frames published during 100 scrapes\n", w.frames);
	CHECK_INT(torn, 0);
	CHECK_INT(partial, 0);
	CHECK(w.frames > 100);
	tp_metrics_close(w.m);
}

static void test_listen_addresses(void)
{
	static const char *const bad[] = {"9101",
					  "127.0.0.1:",
					  ":99999",
					  "::1:9101",
					  "[::1]:abc",
					  "127.0.0.1:-1",
					  "no.such.host.invalid:1"};
	struct tp_metrics *m = NULL, *m2 = NULL;
	char err[300], addr[64];
	size_t i;
	int ret;

	for (i = 0; i < TP_ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		ret = tp_metrics_open(&m, bad[i], err, sizeof(err));
		if (ret != -EINVAL) {
			printf("#   '%s' gave %d\n", bad[i], ret);
			CHECK(0);
			if (ret == 0)
				tp_metrics_close(m);
		}
		CHECK(err[0] != '\0');
	}
	CHECK_INT(tp_metrics_open(&m, ":0", err, sizeof(err)), 0);
	if (m) {
		snprintf(addr, sizeof(addr), "127.0.0.1:%d", tp_metrics_port(m));
		CHECK_INT(tp_metrics_open(&m2, addr, err, sizeof(err)), -EADDRINUSE);
		CHECK(strstr(err, "cannot listen") != NULL);
		tp_metrics_close(m);
	}
	ret = tp_metrics_open(&m, "[::1]:0", err, sizeof(err));
	if (ret == 0) {
		struct reply r;
		CURL *c = curl_easy_init();
		char url[64];

		memset(&r, 0, sizeof(r));
		snprintf(url, sizeof(url), "http://[::1]:%d/metrics", tp_metrics_port(m));
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_PROXY, "");
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
		CHECK_INT(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
		CHECK_INT(r.status, 200);
		curl_easy_cleanup(c);
		free(r.body);
		tp_metrics_close(m);
	} else {
		printf("# IPv6 loopback not available here (%s): [::1] not tested\n", err);
	}
}

/* Slow clients trickling a byte at a time do not starve a scrape. */
static void test_slowloris(void)
{
	struct tp_metrics *m = NULL;
	struct sockaddr_in a;
	struct reply r;
	char err[300];
	int fd[40], i, got = 0, ok_scrapes = 0;

	if (tp_metrics_open(&m, ":0", err, sizeof(err)) < 0)
		SKIP("cannot listen on the loopback");
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)tp_metrics_port(m));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* ":0" listens on the loopback */
	for (i = 0; i < 40; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd[i] >= 0 && connect(fd[i], (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    send(fd[i], "G", 1, MSG_NOSIGNAL) == 1)
			got++;
	}
	CHECK_INT(got, 40);
	/* a byte every 1.5 s for 4.5 s, scraping all the while */
	for (i = 0; i < 3; i++) {
		int k;

		usleep(1500 * 1000);
		for (k = 0; k < 40; k++)
			if (fd[k] >= 0 && send(fd[k], "E", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				close(fd[k]); /* dropped by the server */
				fd[k] = -1;
			}
		if (http("GET", tp_metrics_port(m), "/metrics", &r) == 0 && r.status == 200)
			ok_scrapes++;
		free(r.body);
	}
	printf("# %d of 3 scrapes answered beside 40 trickling connections\n", ok_scrapes);
	CHECK_INT(ok_scrapes, 3);
	for (i = 0; i < 40; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	tp_metrics_close(m);
}

/*
 * Clients trickling a byte every 0.5 s stay under the idle timeout (1 s):
 * before the request deadline they held the loopback's connection slots for
 * as long as they liked. Cut at the deadline (3 s) by the daemon's tick, they
 * leave room for a scrape.
 */
static void test_slowloris_under_idle_timeout(void)
{
	struct tp_metrics *m = NULL;
	struct tp_chanset set;
	struct sockaddr_in a;
	struct reply r;
	char err[300], b;
	double v[1] = {42};
	int fd[8], i, k, held = 0, cut = 0, ok_late = 0, tries_late = 0;

	if (tp_metrics_open(&m, ":0", err, sizeof(err)) < 0)
		SKIP("cannot listen on the loopback");
	tp_chanset_init(&set);
	tp_chanset_add(&set, "temp.cpu");
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)tp_metrics_port(m));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 8; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd[i] >= 0 && connect(fd[i], (struct sockaddr *)&a, sizeof(a)) < 0) {
			close(fd[i]);
			fd[i] = -1;
		}
	}
	/* 7 s: a byte every 0.5 s on each, a tick each 0.5 s, scrapes after 4.5 s */
	for (i = 0; i < 14; i++) {
		usleep(500 * 1000);
		tp_metrics_update(m, &set, v, i * 0.5);
		for (k = 0; k < 8; k++) {
			if (fd[k] < 0)
				continue;
			if (recv(fd[k], &b, 1, MSG_DONTWAIT) == 0 ||
			    send(fd[k], "G", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				close(fd[k]); /* the server closed it */
				fd[k] = -1;
				if (i >= 4)
					cut++;
			}
		}
		if (i == 3)
			for (k = 0; k < 8; k++)
				held += fd[k] >= 0;
		if (i >= 9) {
			tries_late++;
			if (http("GET", tp_metrics_port(m), "/metrics", &r) == 0 && r.status == 200)
				ok_late++;
			free(r.body);
		}
	}
	printf("# %d trickling connections held at 2 s, %d cut after, %d of %d late scrapes "
	       "answered\n",
	       held, cut, ok_late, tries_late);
	CHECK(held >= 1);
	CHECK_INT(cut, held);
	CHECK_INT(ok_late, tries_late);
	for (k = 0; k < 8; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	tp_metrics_close(m);
}

int main(void)
{
	size_t n;
	FILE *f = fopen("fixtures/llama/server-metrics.txt", "rb");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (f) {
		canned = malloc(65536);
		n = fread(canned, 1, 65535, f);
		canned_len = n;
		fclose(f);
	}
	RUN(test_scrape_llama_server);
	RUN(test_metric_names);
	RUN(test_exporter);
	RUN(test_promtool);
	RUN(test_render_bounds);
	RUN(test_hold_and_twins);
	RUN(test_no_torn_frame);
	RUN(test_listen_addresses);
	RUN(test_slowloris);
	RUN(test_slowloris_under_idle_timeout);
	free(canned);
	free(exported);
	curl_global_cleanup();
	return test_done();
}
