/*
 * test_maps.h - one check shared by the tests that build maps: the map is
 * exactly a list of expected pieces. Include after <cmocka.h>.
 */
#ifndef MEMTYPE_TEST_MAPS_H
#define MEMTYPE_TEST_MAPS_H

#include "memtype.h"

/* The map is exactly the n pieces of exp (start, end, value, src, regs). */
static inline void expect_pieces(const memtype_map *m, const memtype_range *exp, size_t n)
{
	memtype_range r;

	if (memtype_map_count(m) != n) {
		for (size_t i = 0; i < memtype_map_count(m); i++) {
			memtype_map_get(m, i, &r);
			print_message("# got [0x%llx, 0x%llx] value 0x%x src 0x%x regs 0x%llx\n",
				      (unsigned long long)r.start, (unsigned long long)r.end,
				      r.value, r.src, (unsigned long long)r.regs);
		}
		fail_msg("expected %zu pieces, got %zu", n, memtype_map_count(m));
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(memtype_map_get(m, i, &r), 0);
		if (r.start != exp[i].start || r.end != exp[i].end || r.value != exp[i].value ||
		    r.src != exp[i].src || r.regs != exp[i].regs)
			fail_msg("piece %zu: expected [0x%llx, 0x%llx] 0x%x/0x%x/0x%llx, got [0x%llx, "
				 "0x%llx] 0x%x/0x%x/0x%llx",
				 i, (unsigned long long)exp[i].start,
				 (unsigned long long)exp[i].end, exp[i].value, exp[i].src,
				 (unsigned long long)exp[i].regs, (unsigned long long)r.start,
				 (unsigned long long)r.end, r.value, r.src,
				 (unsigned long long)r.regs);
	}
}

#endif /* MEMTYPE_TEST_MAPS_H */
