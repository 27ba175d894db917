#ifndef THERMPACE_IMPORT_PITEMP_H
#define THERMPACE_IMPORT_PITEMP_H

/*
 * pitemp CSVs (github.com/sjchiass/pitemp data/): a Raspberry Pi's CPU load
 * and temperature once a second,
 *
 *   datetime,obs_type,usage,temp
 *   2020-08-06 18:51:31.839553,cooldown,0.4,46.698
 *
 * datetime is local time without a zone, usage the CPU load in percent,
 * temp the CPU sensor in °C. Columns are found by name (datetime and temp
 * are required, usage optional, others ignored). Channels: util.cpu
 * (usage / 100), temp.cpu. A row with a bad time, a time not after the
 * last row's, a wrong cell count or a cell that is not a number is
 * skipped and counted; an empty cell is no reading.
 */

#include <stddef.h>

#include "import_table.h"

/*
 * Parses a whole file held in memory into tb (initialised here; free it
 * in every case). Returns 0, -EINVAL when the header lacks a needed column,
 * -ENODATA without a usable row (err says which), -ENOMEM.
 */
int tp_import_pitemp_parse(struct tp_import_table *tb, const char *text, size_t len, char *err,
			   size_t n);

#endif
