/*
 * fuzz_capture_msr.c - fuzz target for MSR dumps: rdmsr/wrmsr output, IDX: VAL lines
 * (capture_msr.c); the checks are in fuzz_capture.h.
 */
#include "fuzz_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_capture(data, size, MEMTYPE_CAPTURE_MSR, false);
}
