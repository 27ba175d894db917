#ifndef THERMPACE_VEDIRECT_H
#define THERMPACE_VEDIRECT_H

/*
 * Victron VE.Direct, the text protocol a solar charge controller (MPPT) or
 * a battery monitor (BMV, SmartShunt) sends on its serial port, 19200 baud
 * 8N1, about once a second: a block of fields, each "\r\nLABEL\tVALUE",
 * ending with the field "\r\nChecksum\t" and one byte chosen so that the
 * sum of every byte of the block (from the first '\r' to that byte) is 0
 * mod 256. A BMV sends two blocks a second, each with its own checksum.
 *
 * Units on the wire (VE.Direct Protocol, Victron Energy): V, VPV mV; I mA
 * (positive into the battery); PPV W; P W (BMV, signed like I); SOC ‰
 * (BMV); CS the charge state (0 off, 2 fault, 3 bulk, 4 absorption,
 * 5 float, 7 equalize, 245 starting up, 247 auto equalize, 252 external
 * control); H19, H20, H22 0.01 kWh; H21, H23 W. The block below holds
 * them in SI units (V, A, W, kWh, 0..1).
 *
 * The HEX protocol's frames (":" ... "\n") may come between or inside the
 * text blocks; they are skipped and do not count in the checksum. A block
 * whose checksum fails, or that broke a bound (a label over 15 bytes, a
 * value over 47, more than 64 fields, a HEX frame over 256 bytes), is
 * dropped whole and counted; nothing of it is applied. The parser holds no
 * more than one field and one block, whatever it is fed.
 *
 * tp_vedirect_open opens the serial device (19200 8N1, raw, O_NOCTTY,
 * non-blocking, close-on-exec); tp_vedirect_poll reads what is waiting
 * and feeds it to the parser. No allocation after open.
 */

#include <stddef.h>

#define TP_VEDIRECT_LABEL_MAX  16 /* bytes, with the NUL */
#define TP_VEDIRECT_VALUE_MAX  48
#define TP_VEDIRECT_FIELDS_MAX 64 /* fields in a block */
#define TP_VEDIRECT_HEX_MAX    256

/* The fields used, in SI units; NaN when the block did not carry it. */
struct tp_vedirect_block {
	double battery_v;		 /* V */
	double battery_a;		 /* I, positive into the battery */
	double battery_w;		 /* P (BMV) */
	double soc;			 /* SOC, 0..1 (BMV) */
	double pv_v;			 /* VPV */
	double pv_w;			 /* PPV */
	double load_a;			 /* IL */
	double cs;			 /* CS, the charge state code */
	double yield_total_kwh;		 /* H19 */
	double yield_today_kwh;		 /* H20 */
	double max_today_w;		 /* H21 */
	double yield_yesterday_kwh;	 /* H22 */
	double max_yesterday_w;		 /* H23 */
	char pid[TP_VEDIRECT_VALUE_MAX]; /* product id ("0xA053"), "" when absent */
};

struct tp_vedirect {
	int state, hex_from; /* parser state, the state a HEX frame interrupted */
	unsigned char sum;
	int bad; /* the block broke a bound: drop it at its checksum */
	int nfields;
	size_t nl, nv, nhex;
	char label[TP_VEDIRECT_LABEL_MAX];
	char value[TP_VEDIRECT_VALUE_MAX];
	struct tp_vedirect_block cur;  /* the block being read */
	struct tp_vedirect_block last; /* the last good block */
	/* counters since init */
	unsigned long blocks, bad_checksum, bad_frame, bad_value, hex_frames;
};

void tp_vedirect_init(struct tp_vedirect *p);

/* A block with every field NaN. */
void tp_vedirect_block_clear(struct tp_vedirect_block *b);

/*
 * Feeds up to n bytes. Stops right after a good block ends: returns 1 with
 * the block in p->last, and *used the bytes consumed (call again with the
 * rest). Returns 0 with *used = n when no block ended well.
 */
int tp_vedirect_feed(struct tp_vedirect *p, const void *buf, size_t n, size_t *used);

/* Copies into dst every field src carries (a BMV's two blocks make one reading). */
void tp_vedirect_merge(struct tp_vedirect_block *dst, const struct tp_vedirect_block *src);

/* "bulk", "float", ... for a CS code; "unknown" for another. */
const char *tp_vedirect_cs_name(int cs);

/*
 * Opens the serial device at path for reading: 19200 baud 8N1, raw,
 * O_NOCTTY | O_NONBLOCK | O_CLOEXEC, input flushed. The descriptor, or a
 * negative errno (-ENOTTY when path is not a terminal).
 */
int tp_vedirect_open(const char *path);

/*
 * Reads what fd has waiting (never blocks) through the parser, merging
 * every good block into *reading. Returns the number of good blocks, or a
 * negative errno when the read failed (-EIO: the device went away). At
 * most 8 KiB is read a call.
 */
int tp_vedirect_poll(int fd, struct tp_vedirect *p, struct tp_vedirect_block *reading);

#endif
