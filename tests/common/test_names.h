/*
 * test_names.h - the tests' own spelling of memory types, so failure
 * messages never depend on the library code under test.
 */
#ifndef MEMTYPE_TEST_NAMES_H
#define MEMTYPE_TEST_NAMES_H

#include "memtype.h"

static inline const char *test_type_name(memtype_type t)
{
	switch (t) {
	case MEMTYPE_UC:
		return "UC";
	case MEMTYPE_WC:
		return "WC";
	case MEMTYPE_WT:
		return "WT";
	case MEMTYPE_WP:
		return "WP";
	case MEMTYPE_WB:
		return "WB";
	case MEMTYPE_UC_MINUS:
		return "UC-";
	case MEMTYPE_WC_PLUS:
		return "WC+";
	case MEMTYPE_UNDEFINED:
		return "undefined";
	}
	return "(bad type)";
}

#endif /* MEMTYPE_TEST_NAMES_H */
