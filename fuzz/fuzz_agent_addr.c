/* Fuzz target: the listen address (--agent, --metrics, loadgen --http) over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char addr[512], host[256], port[16];

	if (size >= sizeof(addr))
		size = sizeof(addr) - 1;
	memcpy(addr, data, size);
	addr[size] = '\0';
	(void)tp_tcp_parse_addr(addr, host, sizeof(host), port, sizeof(port));
	return 0;
}
