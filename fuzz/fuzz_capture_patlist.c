/*
 * fuzz_capture_patlist.c - fuzz target for pat_memtype_list listings (capture_patlist.c); the
 * checks are in fuzz_capture.h.
 */
#include "fuzz_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_capture(data, size, MEMTYPE_CAPTURE_PAT_LIST, false);
}
