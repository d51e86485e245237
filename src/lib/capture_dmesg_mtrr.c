/*
 * capture_dmesg_mtrr.c - the MTRR lines of a boot log: print_mtrr_state()'s
 * dump (cpu/mtrr/generic.c: default type, fixed and variable ranges,
 * "TOM2:"), the 6.5+ "MTRR map:" line and its mtrr=debug entries, and the
 * "MTRRs disabled ..." status messages of mtrr_bp_init().
 */
#include "mtrr.h"
#include "capture_dmesg.h"

#include <string.h>

#define PHYSMASK_V 0x800ull

mt_line_result mt_dmesg_fixed_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t a, b;
	int t;

	if (!mt_cap_hex(s, n, &i, false, &a) || i != 5 || !mt_cap_lit(s, n, &i, "-") ||
	    !mt_cap_hex(s, n, &i, false, &b) || i != 11 || i >= n || s[i] != ' ')
		return MT_LINE_NOT_MINE;
	if (mt_dmesg_rest_blank(s, n, i))
		return MT_LINE_PARTIAL;
	if (mt_cap_type_word(s, n, i, &t) != 0) {
		if (mt_cap_type_prefix(s, n, i))
			return MT_LINE_PARTIAL;
		mt_cap_diag(c, col + (unsigned)i + 1, "unknown-type",
			    "fixed range %05llX-%05llX: unknown type word", (unsigned long long)a,
			    (unsigned long long)b);
		return MT_LINE_USED;
	}
	unsigned first = MT_CAP_FIXED, last = 0;
	/* The slots are in address order: none after one starting above b. */
	for (unsigned k = 0; k < MT_CAP_FIXED && mt_fixed_slot_start(k) <= b; k++) {
		uint64_t st = mt_fixed_slot_start(k);
		if (st >= a) {
			if (first == MT_CAP_FIXED)
				first = k;
			last = k;
			c->fixed[k] = (uint8_t)t;
			c->fixed_set[k] = true;
		}
	}
	uint64_t end_ok = last + 1 < MT_CAP_FIXED ? mt_fixed_slot_start(last + 1) - 1 : 0xFFFFF;
	if (first == MT_CAP_FIXED || mt_fixed_slot_start(first) != a || end_ok != b)
		mt_cap_diag(c, col, "bad-range",
			    "fixed range %05llX-%05llX does not fall on fixed-MTRR sub-ranges",
			    (unsigned long long)a, (unsigned long long)b);
	return MT_LINE_USED;
}

mt_line_result mt_dmesg_var_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0, d0;
	uint64_t idx, base, mask;
	int t = 0;

	if (!mt_cap_dec(s, n, &i, &idx) || i >= n || s[i] != ' ')
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (mt_cap_lit(s, n, &i, "disabled")) {
		if (!mt_dmesg_rest_blank(s, n, i))
			return MT_LINE_NOT_MINE;
		if (idx >= MT_CAP_MAX_VAR) {
			mt_cap_diag(c, col, "out-of-range", "variable MTRR %llu: the model has %u",
				    (unsigned long long)idx, MT_CAP_MAX_VAR);
			return MT_LINE_USED;
		}
		c->var[idx].present = true;
		c->var[idx].valid = false;
		c->var[idx].line = c->line;
		if (idx + 1 > c->dump_nvar)
			c->dump_nvar = (unsigned)idx + 1;
		return MT_LINE_USED;
	}
	if (!mt_cap_lit(s, n, &i, "base"))
		return mt_dmesg_rest_blank(s, n, i) ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	d0 = i;
	if (!mt_cap_hex(s, n, &i, false, &base))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	unsigned digits = (unsigned)(i - d0);
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	if (!mt_cap_lit(s, n, &i, "mask"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_hex(s, n, &i, false, &mask))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	if (mt_dmesg_rest_blank(s, n, i))
		return MT_LINE_PARTIAL;
	if (idx >= MT_CAP_MAX_VAR) {
		mt_cap_diag(c, col, "out-of-range", "variable MTRR %llu: the model has %u",
			    (unsigned long long)idx, MT_CAP_MAX_VAR);
		return MT_LINE_USED;
	}
	struct mt_cap_var *v = &c->var[idx];
	bool ok = mt_cap_type_word(s, n, i, &t) == 0 && t != MEMTYPE_UC_MINUS;
	if (!ok && mt_cap_type_prefix(s, n, i))
		return MT_LINE_PARTIAL;
	if (!ok)
		mt_cap_diag(c, col + (unsigned)i + 1, "unknown-type",
			    "variable MTRR %llu: type '%.*s' is not an MTRR type (a reserved "
			    "encoding prints as '?')",
			    (unsigned long long)idx, (int)(n - i > 20 ? 20 : n - i), s + i);
	v->present = true;
	v->valid = true;
	v->type_ok = ok;
	v->base = (base & ~(uint64_t)0xfff) | (ok ? (uint64_t)t : 0u);
	v->mask = (mask & ~(uint64_t)0xfff) | PHYSMASK_V;
	v->line = c->line;
	if (digits > c->dump_digits)
		c->dump_digits = digits;
	if (idx + 1 > c->dump_nvar)
		c->dump_nvar = (unsigned)idx + 1;
	return MT_LINE_USED;
}

/* "  0: 0000000000000000-000000000009ffff write-back" (mtrr=debug, 6.5+). */
mt_line_result mt_dmesg_map_entry(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t idx, a, b;
	int t;

	if (!mt_cap_dec(s, n, &i, &idx) || !mt_cap_lit(s, n, &i, ":"))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	size_t h = i;
	if (!mt_cap_hex(s, n, &i, false, &a) || i - h < 8 || !mt_cap_lit(s, n, &i, "-") ||
	    !mt_cap_hex(s, n, &i, false, &b))
		return MT_LINE_NOT_MINE;
	if (mt_dmesg_rest_blank(s, n, i))
		return MT_LINE_PARTIAL;
	if (mt_cap_type_word(s, n, i, &t) != 0) {
		if (mt_cap_type_prefix(s, n, i))
			return MT_LINE_PARTIAL;
		mt_cap_diag(c, col + (unsigned)i, "unknown-type",
			    "MTRR map entry %llu: unknown type", (unsigned long long)idx);
		return MT_LINE_USED;
	}
	if (c->nmap >= MT_CAP_MAX_MAP) {
		mt_cap_diag(c, col, "too-many", "more than %u MTRR map entries", MT_CAP_MAX_MAP);
		return MT_LINE_USED;
	}
	struct mt_cap_trange *e = &c->map[c->nmap++];
	e->start = a;
	e->end = b;
	e->type = t;
	return MT_LINE_USED;
}


/* The rest of "MTRR fixed ranges " / "MTRR variable ranges ": "enabled:"
 * or "disabled:" (arch/x86/kernel/cpu/mtrr/generic.c print_mtrr_state),
 * recorded in *hdr, and the dump section the following lines belong to. */
static mt_line_result dump_header(memtype_capture *c, const char *s, size_t n, size_t i, int *hdr,
				  mt_section sect)
{
	if (mt_cap_lit(s, n, &i, "enabled:"))
		*hdr = 1;
	else if (mt_cap_lit(s, n, &i, "disabled:"))
		*hdr = 0;
	else
		return MT_LINE_NOT_MINE;
	c->dump_seen = true;
	c->sect = sect;
	c->sect_format = MEMTYPE_CAPTURE_DMESG;
	return MT_LINE_USED;
}
/* "MTRR map: 6 entries (3 fixed + 3 variable; max 23), built from 10 variable MTRRs" */
static mt_line_result map_line(memtype_capture *c, const char *s, size_t n, size_t i)
{
	uint64_t v[5];

	mt_cap_skip_blanks(s, n, &i);
	if (!mt_cap_dec(s, n, &i, &v[0]) || !mt_cap_lit(s, n, &i, " entries (") ||
	    !mt_cap_dec(s, n, &i, &v[1]) || !mt_cap_lit(s, n, &i, " fixed + ") ||
	    !mt_cap_dec(s, n, &i, &v[2]) || !mt_cap_lit(s, n, &i, " variable; max ") ||
	    !mt_cap_dec(s, n, &i, &v[3]) || !mt_cap_lit(s, n, &i, "), built from ") ||
	    !mt_cap_dec(s, n, &i, &v[4]))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	if (!mt_cap_lit(s, n, &i, " variable MTRRs"))
		return i >= n ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	for (unsigned k = 0; k < 5; k++)
		if (v[k] > 100000)
			return MT_LINE_NOT_MINE;
	c->map_line = true;
	c->map_n = (unsigned)v[0];
	c->map_f = (unsigned)v[1];
	c->map_v = (unsigned)v[2];
	c->map_m = (unsigned)v[3];
	c->map_k = (unsigned)v[4];
	c->nmap = 0;
	c->sect = MT_SECT_MAP;
	c->sect_format = MEMTYPE_CAPTURE_DMESG;
	return MT_LINE_USED;
}

mt_line_result mt_dmesg_mtrr_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	int t;

	if (mt_cap_lit(s, n, &i, "MTRR default type:")) {
		c->dump_seen = true;
		if (mt_cap_type_word(s, n, i, &t) == 0 && t != MEMTYPE_UC_MINUS) {
			c->dump_def_type = t;
		} else if (mt_dmesg_rest_blank(s, n, i) || mt_cap_type_prefix(s, n, i)) {
			return MT_LINE_PARTIAL;
		} else {
			mt_cap_diag(c, col + (unsigned)i, "unknown-type",
				    "MTRR default type is not an MTRR type");
		}
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRR fixed ranges "))
		return dump_header(c, s, n, i, &c->dump_fixed_hdr, MT_SECT_FIXED);
	if (mt_cap_lit(s, n, &i, "MTRR variable ranges "))
		return dump_header(c, s, n, i, &c->dump_var_hdr, MT_SECT_VAR);
	if (mt_cap_lit(s, n, &i, "MTRR map:"))
		return map_line(c, s, n, i);
	if (mt_cap_lit(s, n, &i, "MTRR: ") || mt_cap_lit(s, n, &i, "mtrr: ")) {
		if (mt_starts(s + i, n - i, "Disabled")) {
			c->mtrr_status = "disabled";
			return MT_LINE_USED;
		}
	}
	if (mt_cap_lit(s, n, &i, "MTRRs disabled (not available)")) {
		c->mtrr_status = "not-available";
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRRs disabled by BIOS")) {
		c->mtrr_status = "disabled-by-bios";
		return MT_LINE_USED;
	}
	if (mt_cap_lit(s, n, &i, "MTRRs set to read-only")) {
		c->mtrr_status = "read-only";
		return MT_LINE_USED;
	}
	return MT_LINE_NOT_MINE;
}

mt_line_result mt_dmesg_tom2_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t v;

	if (!mt_cap_lit(s, n, &i, "TOM2: "))
		return MT_LINE_NOT_MINE;
	if (!mt_cap_hex(s, n, &i, false, &v))
		return mt_dmesg_rest_blank(s, n, i) ? MT_LINE_PARTIAL : MT_LINE_NOT_MINE;
	if (v == 0 || (v & 0xfffull)) {
		mt_cap_diag(c, col, "bad-number", "TOM2 0x%llx is not a page-aligned address",
			    (unsigned long long)v);
		return MT_LINE_USED;
	}
	c->tom2 = v;
	c->tom2_line = c->line;
	mt_dmesg_set_vendor(c, 2, "TOM2 line (AMD SYSCFG)");
	return MT_LINE_USED;
}
