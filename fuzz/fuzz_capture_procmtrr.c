/*
 * fuzz_capture_procmtrr.c - fuzz target for /proc/mtrr listings (capture_procmtrr.c); the checks
 * are in fuzz_capture.h.
 */
#include "fuzz_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_capture(data, size, MEMTYPE_CAPTURE_PROC_MTRR, false);
}
