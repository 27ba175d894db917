#ifndef THERMPACE_PACE_PROTOCOL_H
#define THERMPACE_PACE_PROTOCOL_H

/*
 * The cooperative pacing protocol, server side: parsing one request line
 * (docs/protocol.md). Pure functions, no I/O, no allocation: the socket
 * server feeds them whole lines and the fuzz target feeds them garbage.
 *
 * A request line is printable ASCII, at most TP_PROTO_LINE_MAX bytes with
 * its LF (a CR before the LF is tolerated), words separated by one or more
 * blanks.
 */

#include <stddef.h>

#define TP_PROTO_VERSION    1
#define TP_PROTO_LINE_MAX   128 /* bytes, LF included */
#define TP_PROTO_NAME_MAX   32	/* client name, NUL included */
#define TP_PROTO_NEXT_MAX   64L /* tokens one NEXT may reserve: no client takes the schedule */
#define TP_PROTO_TOKENS_MAX 1000000L

enum tp_proto_cmd {
	TP_PROTO_HELLO = 1,  /* HELLO thermpace VERSION [NAME] */
	TP_PROTO_NEXT,	     /* NEXT [N]: reserve N tokens (default 1) */
	TP_PROTO_TOKENS,     /* TOKENS N: N tokens were produced */
	TP_PROTO_CALL_BEGIN, /* CALL BEGIN */
	TP_PROTO_CALL_END,   /* CALL END */
	TP_PROTO_RATE,	     /* RATE: ask for the granted and measured rates */
	TP_PROTO_PING,	     /* PING */
	TP_PROTO_BYE,	     /* BYE */
};

struct tp_proto_req {
	enum tp_proto_cmd cmd;
	long n;			      /* NEXT, TOKENS; HELLO: the version */
	char name[TP_PROTO_NAME_MAX]; /* HELLO: client name, "" when none */
};

/*
 * Error codes sent back as "ERR CODE text" (the code is one word, stable;
 * the text is for people).
 */
#define TP_PROTO_E_SYNTAX  "syntax"  /* unknown command or malformed words */
#define TP_PROTO_E_RANGE   "range"   /* a number out of its range */
#define TP_PROTO_E_VERSION "version" /* HELLO with another version */
#define TP_PROTO_E_HELLO   "hello"   /* a request before HELLO, or HELLO twice */
#define TP_PROTO_E_TOOLONG "toolong" /* a line over TP_PROTO_LINE_MAX */
#define TP_PROTO_E_FULL	   "full"    /* too many clients */
#define TP_PROTO_E_ERRORS  "errors"  /* too many bad requests: closing */
#define TP_PROTO_E_SLOW	   "slow"    /* the client does not read its replies */
#define TP_PROTO_E_TIMEOUT "timeout" /* a line left unfinished too long */
#define TP_PROTO_E_PERM	   "perm"    /* the peer's user may not pace here */

/*
 * Parses line[0..len) (without its LF; a trailing CR is ignored). Returns 0
 * and fills *req, or -EINVAL (syntax) / -ERANGE (a number out of range) and
 * points *code at the TP_PROTO_E_* code and *why at a short reason (static
 * strings). *req is written only on success.
 */
int tp_proto_parse(const char *line, size_t len, struct tp_proto_req *req, const char **code,
		   const char **why);

/* The command's keyword ("NEXT"), for logs. */
const char *tp_proto_cmd_name(enum tp_proto_cmd cmd);

#endif
