/*
 * fuzz_capture_dmesg.c - fuzz target for kernel logs (and, through format detection, every other
 * capture format: the dispatcher is what a scan runs); the checks are in fuzz_capture.h.
 */
#include "fuzz_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_capture(data, size, MEMTYPE_CAPTURE_AUTO, true);
}
