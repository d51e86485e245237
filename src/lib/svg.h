/*
 * svg.h - what the two drawings (svg.c for simulations, explain_svg.c for
 * real captures) share: one colour per memory type and per e820 kind, and the
 * formatted writer, so the legends of both pictures agree.
 */
#ifndef MEMTYPE_SVG_H
#define MEMTYPE_SVG_H

#include "internal.h"

/* Fill colour of memory type t (white for anything else). */
const char *mt_svg_type_fill(int t);
/* Fill colour of an e820 kind as the kernel names it ("usable", "ACPI data",
 * ...); reserved grey for anything else. */
const char *mt_svg_e820_fill(const char *name);
/* printf into a memtype_write_fn (at most 511 bytes per call). */
void mt_svg_printf(memtype_write_fn write, void *ud, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* MEMTYPE_SVG_H */
