/* Fuzz target: INI loading (inih underneath) and the board profile parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "ini_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/tp-fuzz-ini-XXXXXX.ini";
	struct tp_board b;
	struct tp_ini ini;
	char *text = malloc(size + 1);
	int fd;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tp_ini_load_mem(&ini, text, "fuzz");
	tp_ini_free(&ini);
	fd = mkstemps(path, 4);
	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size) {
			tp_board_load(&b, path);
			tp_board_free(&b);
		}
		close(fd);
		unlink(path);
	}
	free(text);
	return 0;
}
