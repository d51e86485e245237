/*
 * fuzz_numbers.c - fuzz target for the small parsers every input goes
 * through: numbers, ranges, type names and MSR names. Checks that a parsed
 * range is ordered and that a parsed type round-trips through its name.
 */
#include "memtype.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	uint64_t a, b;
	if (memtype_parse_range(s, size, &a, &b) == 0 && a > b)
		abort();
	(void)memtype_parse_u64(s, size, &a);
	memtype_type t;
	if (memtype_type_parse(s, size, &t) == 0) {
		const char *n = memtype_type_name(t, MEMTYPE_SPELL_SHORT);
		memtype_type t2;
		if (!n || memtype_type_parse(n, strlen(n), &t2) != 0 || t2 != t)
			abort();
	}
	uint32_t idx;
	if (memtype_msr_parse_name(s, size, &idx) == 0 && !memtype_msr_name(idx))
		abort();
	return 0;
}
