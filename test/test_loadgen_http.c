/* The load generator's HTTP request reader (thermpace-loadgen --http). */
#include "test.h"
#include "sim/loadgen_http.h"

static int parse(const char *s, struct tp_lgh_req *r)
{
	return tp_lgh_parse(s, strlen(s), r);
}

static void test_completion(void)
{
	const char *req = "POST /completion HTTP/1.1\r\nHost: x\r\ncontent-length: 30\r\n\r\n"
			  "{\"prompt\":\"hi\",\"n_predict\":48}";
	struct tp_lgh_req r;

	CHECK_INT(parse(req, &r), (int)strlen(req));
	CHECK_INT(r.route, TP_LGH_COMPLETION);
	CHECK_INT(r.n_predict, 48);
	/* cut anywhere before its end: more is needed */
	for (size_t k = 0; k < strlen(req); k++)
		CHECK_INT(tp_lgh_parse(req, k, &r), 0);
	/* without a body: the default */
	CHECK(parse("POST /completion HTTP/1.0\r\n\r\n", &r) > 0);
	CHECK_INT(r.n_predict, 16);
	/* two requests in a row: the first's length */
	CHECK_INT(parse("GET /health HTTP/1.1\r\n\r\nGET /health HTTP/1.1\r\n\r\n", &r), 24);
	CHECK_INT(r.route, TP_LGH_HEALTH);
}

static void test_routes_and_bad(void)
{
	struct tp_lgh_req r;
	char big[TP_LGH_REQ_MAX + 10];

	CHECK(parse("GET /x HTTP/1.1\r\n\r\n", &r) > 0);
	CHECK_INT(r.route, TP_LGH_NOT_FOUND);
	CHECK(parse("GET /completion HTTP/1.1\r\n\r\n", &r) > 0);
	CHECK_INT(r.route, TP_LGH_BAD_METHOD);
	CHECK(parse("GET /metrics HTTP/1.1\r\n\r\n", &r) > 0);
	CHECK_INT(r.route, TP_LGH_METRICS);
	CHECK(parse("POST /metrics HTTP/1.1\r\n\r\n", &r) > 0);
	CHECK_INT(r.route, TP_LGH_BAD_METHOD);
	CHECK(parse("GET /metricsx HTTP/1.1\r\n\r\n", &r) > 0);
	CHECK_INT(r.route, TP_LGH_NOT_FOUND);
	CHECK_INT(parse("GARBAGE\r\n\r\n", &r), -EINVAL);
	CHECK_INT(parse("POST /completion HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]", &r), -EINVAL);
	CHECK_INT(
	    parse("POST /completion HTTP/1.1\r\nContent-Length: 15\r\n\r\n{\"n_predict\":0}", &r),
	    -EINVAL);
	CHECK_INT(parse("POST /completion HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &r), -EINVAL);
	CHECK_INT(parse("POST /completion HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", &r), -E2BIG);
	memset(big, 'a', sizeof(big));
	CHECK_INT(tp_lgh_parse(big, sizeof(big), &r), -E2BIG);
}

int main(void)
{
	RUN(test_completion);
	RUN(test_routes_and_bad);
	return test_done();
}
