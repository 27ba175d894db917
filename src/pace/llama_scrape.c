#include "llama_scrape.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dynlib.h"
#include "prom_text.h"
#include "util.h"

#define BODY_LIMIT (4u << 20)

struct tp_llama_scrape {
	CURL *curl;
	struct curl_slist *headers;
	char *body;
	size_t len, cap;
	int too_big;
	char curl_err[CURL_ERROR_SIZE];
};

/* libcurl, loaded on the first --llama-server (src/dynlib.h says why) */
static struct {
	void *handle;
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_duphandle) *easy_duphandle;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} cu;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;
static char curl_load_err[256];

static void curl_init(void)
{
	static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4", NULL};
	const struct tp_dynsym syms[] = {
	    {"curl_global_init", (void **)&cu.global_init},
	    {"curl_easy_init", (void **)&cu.easy_init},
	    {"curl_easy_setopt", (void **)&cu.easy_setopt},
	    {"curl_easy_getinfo", (void **)&cu.easy_getinfo},
	    {"curl_easy_perform", (void **)&cu.easy_perform},
	    {"curl_easy_duphandle", (void **)&cu.easy_duphandle},
	    {"curl_easy_cleanup", (void **)&cu.easy_cleanup},
	    {"curl_easy_strerror", (void **)&cu.easy_strerror},
	    {"curl_slist_append", (void **)&cu.slist_append},
	    {"curl_slist_free_all", (void **)&cu.slist_free_all},
	};

	if (tp_dynlib_open(&cu.handle, sonames, syms, TP_ARRAY_LEN(syms), "libcurl4", curl_load_err,
			   sizeof(curl_load_err)) < 0) {
		curl_init_result = CURLE_FAILED_INIT;
		return;
	}
	curl_init_result = cu.global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct tp_llama_scrape *s = ctx;
	size_t n = size * nmemb;

	if (s->len + n + 1 > BODY_LIMIT) {
		s->too_big = 1;
		return 0; /* aborts the transfer */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		char *b;

		while (cap < s->len + n + 1)
			cap *= 2;
		b = realloc(s->body, cap);
		if (!b)
			return 0;
		s->body = b;
		s->cap = cap;
	}
	memcpy(s->body + s->len, data, n);
	s->len += n;
	s->body[s->len] = '\0';
	return n;
}

/* libcurl's own socket() lacks SOCK_CLOEXEC: a child would hold the server connection open. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)ctx;
	(void)purpose;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

int tp_llama_scrape_open(struct tp_llama_scrape **out, const char *url, double timeout_s, char *err,
			 size_t n)
{
	struct tp_llama_scrape *s;
	long ms;
	int ret = -EINVAL;

	if (!(timeout_s >= 0.05 && timeout_s <= 60)) {
		snprintf(err, n, "scrape timeout %g s is out of range (0.05 to 60)", timeout_s);
		return -EINVAL;
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(err, n, "'%s' is not an http:// or https:// URL", url);
		return -EINVAL;
	}
	pthread_once(&curl_once, curl_init);
	if (!cu.handle) {
		snprintf(err, n, "%s", curl_load_err);
		return -ENOENT;
	}
	if (curl_init_result != CURLE_OK) {
		snprintf(err, n, "cannot initialise libcurl: %s",
			 cu.easy_strerror(curl_init_result));
		return -EIO;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->curl = cu.easy_init();
	s->headers = cu.slist_append(NULL, "Accept: text/plain; version=0.0.4");
	if (!s->curl || !s->headers) {
		snprintf(err, n, "cannot create a libcurl handle");
		ret = -ENOMEM;
		goto fail;
	}
	ms = (long)(timeout_s * 1000.0 + 0.5);
	if (cu.easy_setopt(s->curl, CURLOPT_URL, url) != CURLE_OK) {
		snprintf(err, n, "libcurl refuses the URL '%s'", url);
		goto fail;
	}
#if LIBCURL_VERSION_NUM >= 0x075500
	cu.easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	cu.easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, ms);
	cu.easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
	cu.easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(s->curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	cu.easy_setopt(s->curl, CURLOPT_PROXY, "");
	cu.easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
	cu.easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	cu.easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	cu.easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	cu.easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->curl_err);
	cu.easy_setopt(s->curl, CURLOPT_USERAGENT, "thermpace/" THERMPACE_VERSION);
	*out = s;
	return 0;
fail:
	tp_llama_scrape_close(s);
	return ret;
}

/* A counter's value, NaN when absent or not a count (negative, NaN, infinite). */
static double counter(const char *body, size_t len, const char *name)
{
	double v;

	if (!body || tp_prom_find(body, len, name, &v, NULL) < 0 || !isfinite(v) || v < 0)
		return NAN;
	return v;
}

int tp_llama_scrape_get(struct tp_llama_scrape *s, struct tp_llama_counters *out, char *err,
			size_t n)
{
	struct tp_llama_counters c;
	CURLcode rc;
	CURL *h;
	long status = 0;
	char *url = NULL, where[512];

	s->len = 0;
	s->too_big = 0;
	s->curl_err[0] = '\0';
	if (s->body)
		s->body[0] = '\0';
	/*
	 * Each scrape on a fresh copy of the configured handle: reusing one
	 * handle after a malformed answer (a folded header line) made libcurl
	 * 7.88 read memory it had freed (found by fuzz_llama_scrape).
	 */
	h = cu.easy_duphandle(s->curl);
	if (!h) {
		snprintf(err, n, "cannot scrape: out of memory");
		return -ENOMEM;
	}
	rc = cu.easy_perform(h);
	cu.easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url);
	tp_strlcpy(where, url ? url : "?", sizeof(where));
	cu.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	cu.easy_cleanup(h);
	url = where;
	if (rc != CURLE_OK) {
		const char *why = s->curl_err[0] ? s->curl_err : cu.easy_strerror(rc);

		if (s->too_big) {
			snprintf(err, n, "cannot scrape '%s': answer larger than %u MiB", url,
				 BODY_LIMIT >> 20);
			return -EFBIG;
		}
		snprintf(err, n, "cannot scrape '%s': %s", url, why);
		if (rc == CURLE_COULDNT_CONNECT)
			return -ECONNREFUSED;
		if (rc == CURLE_OPERATION_TIMEDOUT)
			return -ETIMEDOUT;
		return -EIO;
	}
	if (status != 200) {
		snprintf(err, n, "cannot scrape '%s': HTTP status %ld%s", url, status,
			 status == 501 ? " (is llama-server run with --metrics?)" : "");
		return -EPROTO;
	}
	c.tokens_predicted_total = counter(s->body, s->len, "llamacpp:tokens_predicted_total");
	c.tokens_predicted_seconds_total =
	    counter(s->body, s->len, "llamacpp:tokens_predicted_seconds_total");
	c.prompt_tokens_total = counter(s->body, s->len, "llamacpp:prompt_tokens_total");
	c.prompt_seconds_total = counter(s->body, s->len, "llamacpp:prompt_seconds_total");
	if (isnan(c.tokens_predicted_total) || isnan(c.tokens_predicted_seconds_total)) {
		snprintf(err, n,
			 "'%s' has no valid llamacpp:tokens_predicted_total and "
			 "llamacpp:tokens_predicted_seconds_total counters",
			 url);
		return -ENOENT;
	}
	*out = c;
	return 0;
}

const char *tp_llama_scrape_body(const struct tp_llama_scrape *s, size_t *len)
{
	if (len)
		*len = s->len;
	return s->body ? s->body : "";
}

void tp_llama_scrape_close(struct tp_llama_scrape *s)
{
	if (!s)
		return;
	if (s->curl)
		cu.easy_cleanup(s->curl);
	cu.slist_free_all(s->headers);
	free(s->body);
	free(s);
}
