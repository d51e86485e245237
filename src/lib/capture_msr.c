/*
 * capture_msr.c - MSR dumps: what people paste when they read the MTRR
 * registers themselves.
 *
 * Lines understood:
 *  - "0x2ff: 0xc00", "0x2ff: c00", "0x2ff = 0xc00", optionally after "cpu3:"
 *    or "CPU 3:" (one value per line, the form of small MSR readers such as
 *    the one in ../shared/corpus/qemu/);
 *  - "IA32_MTRR_DEF_TYPE: 0xc00" (names as memtype_msr_name() prints them);
 *  - "wrmsr [-a | -p N] 0x2ff 0xc00" (msr-tools syntax, a value written);
 *  - an msr-tools "rdmsr [-a] [-p N] [-d|-u|-x|-X|-0|-c] 0x2ff" command line,
 *    after a shell prompt, followed by its output: one hex value per CPU
 *    (decimal with -d/-u), or "COUNT VALUE" lines when the command is piped
 *    through "uniq -c" (Borislav Petkov's 256-CPU "rdmsr -a 0x2ff | uniq -c"
 *    in ../shared/corpus/msr/). msr-tools prints values in hex without a
 *    prefix by default (rdmsr.c, format flags -x/-X/-d/-u/-0/-c); "-f" bit
 *    fields are not whole registers and are skipped;
 *  - "cpuid 0x80000008 ... phys_bits N" and /proc/cpuinfo's "address sizes :
 *    N bits physical" (MAXPHYADDR, CPUID.80000008H:EAX[7:0], SDM Vol. 2A
 *    CPUID) and "vendor_id : GenuineIntel|AuthenticAMD".
 * Reads of one MSR on many CPUs are counted; CPUs that disagree are counted
 * too (Linux warns "your CPUs had inconsistent ... settings" for the same
 * thing, generic.c mtrr_state_warn()). Only the MTRR block, SYSCFG and
 * TOP_MEM2 are kept; other MSRs are recognised and ignored.
 *
 * memtype_capture_msr() and memtype_capture_to_regs() (at the end) hand the
 * values back: `memtype resolve` replays a capture's registers as it
 * replays a register file.
 */
#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mt_cap_msr_slot(uint32_t index)
{
	if (index == MEMTYPE_MSR_MTRRCAP)
		return 0;
	if (index >= 0x200 && index <= 0x2ff)
		return 1 + (int)(index - 0x200);
	if (index == MT_MSR_SYSCFG)
		return 257;
	if (index == MT_MSR_TOP_MEM2)
		return 258;
	return -1;
}

static void record(memtype_capture *c, uint32_t index, uint64_t value, unsigned cpus)
{
	int slot = mt_cap_msr_slot(index);

	if (slot < 0 || cpus == 0)
		return;
	if (!c->msr_read) {
		/* memtype_capture_new() leaves the table to the first value read. */
		memset(c->msr, 0, sizeof(c->msr));
		c->msr_read = true;
	}
	struct mt_cap_msr *m = &c->msr[slot];
	if (!m->present) {
		m->present = true;
		m->value = value;
		m->cpus = cpus;
		m->line = c->line;
		return;
	}
	if (m->value == value) {
		m->cpus += cpus;
		return;
	}
	if (m->differ == 0)
		m->other = value;
	m->differ += cpus;
}

/* "cpu3:", "CPU 3:", "cpu3 " before a value. */
static void skip_cpu_label(const char *s, size_t n, size_t *i)
{
	size_t k = *i;
	uint64_t v;

	if (!(mt_cap_lit(s, n, &k, "cpu") || mt_cap_lit(s, n, &k, "CPU")))
		return;
	mt_cap_skip_blanks(s, n, &k);
	if (!mt_cap_dec(s, n, &k, &v))
		return;
	mt_cap_lit(s, n, &k, ":");
	mt_cap_skip_blanks(s, n, &k);
	*i = k;
}

/* A value to the end of the line. */
static bool value_eol(const char *s, size_t n, size_t i, bool decimal, uint64_t *v)
{
	bool ok = decimal ? mt_cap_dec(s, n, &i, v) : mt_cap_hex(s, n, &i, true, v);

	if (!ok)
		return false;
	mt_cap_skip_blanks(s, n, &i);
	return i == n;
}

/* The output of an open "rdmsr" command. */
static mt_line_result rdmsr_output(memtype_capture *c, const char *s, size_t n)
{
	size_t i = 0;
	uint64_t count = 1, v;

	skip_cpu_label(s, n, &i);
	if (c->rdmsr_uniq) {
		if (!mt_cap_dec(s, n, &i, &count) || i >= n || (s[i] != ' ' && s[i] != '\t'))
			return MT_LINE_NOT_MINE;
		mt_cap_skip_blanks(s, n, &i);
		if (count == 0 || count > 1u << 20)
			return MT_LINE_NOT_MINE;
	}
	if (!value_eol(s, n, i, c->rdmsr_decimal, &v))
		return MT_LINE_NOT_MINE;
	record(c, c->rdmsr_index, v, (unsigned)count);
	return MT_LINE_USED;
}

static mt_line_result rdmsr_command(memtype_capture *c, const char *s, size_t n, size_t i,
				    unsigned col)
{
	bool decimal = false, field = false, uniq = false;
	uint64_t idx = 0;
	unsigned nidx = 0;

	while (i < n) {
		mt_cap_skip_blanks(s, n, &i);
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		const char *w = s + st;
		size_t wn = i - st;
		if (wn == 0)
			break;
		if (w[0] == '|') {
			/* The rest is a pipeline: uniq -c counts the values. */
			for (size_t k = i; k + 7 <= n; k++)
				if (memcmp(s + k, "uniq -c", 7) == 0)
					uniq = true;
			if (wn >= 5 && memcmp(w, "|uniq", 5) == 0)
				uniq = true;
			break;
		}
		if (w[0] == '-') {
			if (wn >= 2 && (w[1] == 'd' || w[1] == 'u'))
				decimal = true;
			if (wn >= 2 && w[1] == 'f')
				field = true;
			/* -p N / -f H:L take an argument when not glued on. */
			if (wn == 2 && (w[1] == 'p' || w[1] == 'f')) {
				mt_cap_skip_blanks(s, n, &i);
				while (i < n && s[i] != ' ' && s[i] != '\t')
					i++;
			}
			continue;
		}
		size_t k = 0;
		uint64_t v;
		if (!mt_cap_hex(w, wn, &k, true, &v) || k != wn) {
			mt_cap_diag(c, col + (unsigned)st, "bad-number",
				    "rdmsr: '%.*s' is not an MSR index", (int)(wn > 20 ? 20 : wn),
				    w);
			return MT_LINE_USED;
		}
		idx = v;
		nidx++;
	}
	if (nidx == 1 && !field && idx <= UINT32_MAX) {
		c->rdmsr_index = (uint32_t)idx;
		c->rdmsr_decimal = decimal;
		c->rdmsr_uniq = uniq;
		c->sect = MT_SECT_RDMSR;
		c->sect_format = MEMTYPE_CAPTURE_MSR;
	} else if (field) {
		mt_cap_diag(c, col, "not-modelled",
			    "rdmsr -f prints a bit field, not the register");
	}
	return MT_LINE_USED;
}

/* "wrmsr [-a|-p N] IDX VAL" */
static mt_line_result wrmsr_command(memtype_capture *c, const char *s, size_t n, size_t i)
{
	uint64_t idx, v;

	mt_cap_skip_blanks(s, n, &i);
	while (i < n && s[i] == '-') {
		bool arg = i + 2 <= n && s[i + 1] == 'p' && (i + 2 == n || s[i + 2] == ' ');
		while (i < n && s[i] != ' ')
			i++;
		mt_cap_skip_blanks(s, n, &i);
		if (arg) {
			while (i < n && s[i] != ' ')
				i++;
			mt_cap_skip_blanks(s, n, &i);
		}
	}
	if (!mt_cap_hex(s, n, &i, true, &idx) || idx > UINT32_MAX)
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	if (!value_eol(s, n, i, false, &v))
		return MT_LINE_NOT_MINE;
	record(c, (uint32_t)idx, v, 1);
	return MT_LINE_USED;
}

/* The first bytes of the lines below: a prompt ("$ ", "# ", "/ # ", "[root@h ~]# ")
 * or "rdmsr", "sudo", "wrmsr", "cpuid", "address sizes", "vendor_id",
 * "cpu3:", "CPU 3:", "0x2ff", "IA32_...", "MSR_..." (capture.h
 * mt_cap_msr_may). A line form added below needs its first byte here. */
const bool mt_cap_msr_starts[256] = {
    ['$'] = true, ['#'] = true, ['/'] = true, ['['] = true, ['r'] = true, ['s'] = true,
    ['w'] = true, ['c'] = true, ['a'] = true, ['v'] = true, ['C'] = true, ['0'] = true,
    ['I'] = true, ['M'] = true,
};

mt_line_result mt_cap_msr_line(memtype_capture *c, const char *s, size_t n, unsigned col)
{
	size_t i = 0;
	uint64_t idx, v;

	if (c->sect == MT_SECT_RDMSR) {
		mt_line_result r = rdmsr_output(c, s, n);
		if (r != MT_LINE_NOT_MINE)
			return r;
		c->sect = MT_SECT_NONE;
	}
	/* Commands, maybe after a prompt ("$ ", "# ", "/ # ", "user@host:~$ "). */
	size_t p = 0;
	if (s[0] == '$' || s[0] == '#' || s[0] == '/' || s[0] == '[' ||
	    memchr(s, '@', n < 64 ? n : 64))
		p = mt_cap_after_prompt(s, n);
	else if (!mt_cap_msr_starts[(unsigned char)s[0]])
		return MT_LINE_NOT_MINE; /* no MSR line starts otherwise */
	i = p;
	if (mt_cap_lit(s, n, &i, "rdmsr ") || mt_cap_lit(s, n, &i, "/rdmsr ") ||
	    mt_cap_lit(s, n, &i, "sudo rdmsr "))
		return rdmsr_command(c, s, n, i, col);
	i = p;
	if (mt_cap_lit(s, n, &i, "wrmsr ") || mt_cap_lit(s, n, &i, "sudo wrmsr "))
		return wrmsr_command(c, s, n, i);
	i = 0;
	if (mt_cap_lit(s, n, &i, "cpuid ")) {
		size_t k = i;
		while (k + 10 <= n && memcmp(s + k, "phys_bits ", 10) != 0)
			k++;
		if (k + 10 <= n) {
			k += 10;
			if (mt_cap_dec(s, n, &k, &v) && v >= 32 && v <= 52) {
				c->cpuid_phys_bits = (unsigned)v;
				return MT_LINE_USED;
			}
		}
		return MT_LINE_NOT_MINE;
	}
	if (mt_cap_lit(s, n, &i, "address sizes")) {
		mt_cap_skip_blanks(s, n, &i);
		if (mt_cap_lit(s, n, &i, ":")) {
			mt_cap_skip_blanks(s, n, &i);
			if (mt_cap_dec(s, n, &i, &v) && mt_cap_lit(s, n, &i, " bits physical") &&
			    v >= 32 && v <= 52) {
				c->cpuid_phys_bits = (unsigned)v;
				return MT_LINE_USED;
			}
		}
		return MT_LINE_NOT_MINE;
	}
	i = 0;
	if (mt_cap_lit(s, n, &i, "vendor_id")) {
		mt_cap_skip_blanks(s, n, &i);
		if (mt_cap_lit(s, n, &i, ":")) {
			mt_cap_skip_blanks(s, n, &i);
			if (mt_starts(s + i, n - i, "GenuineIntel") && !c->vendor) {
				c->vendor = 1;
				snprintf(c->vendor_source, sizeof(c->vendor_source),
					 "cpuinfo vendor_id");
			} else if ((mt_starts(s + i, n - i, "AuthenticAMD") ||
				    mt_starts(s + i, n - i, "HygonGenuine")) &&
				   !c->vendor) {
				c->vendor = 2;
				snprintf(c->vendor_source, sizeof(c->vendor_source),
					 "cpuinfo vendor_id");
			}
			return MT_LINE_USED;
		}
		return MT_LINE_NOT_MINE;
	}
	/* "[cpuN:] 0xIDX: VAL" or "NAME: VAL". */
	i = 0;
	skip_cpu_label(s, n, &i);
	size_t st = i;
	if (i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		if (!mt_cap_hex(s, n, &i, true, &idx) || idx > UINT32_MAX)
			return MT_LINE_NOT_MINE;
	} else if (mt_starts(s + i, n - i, "IA32_") || mt_starts(s + i, n - i, "MSR_")) {
		/* Names as memtype_msr_name() prints them. */
		while (i < n && s[i] != ':' && s[i] != '=' && s[i] != ' ')
			i++;
		uint32_t x;
		if (memtype_msr_parse_name(s + st, i - st, &x) != 0)
			return MT_LINE_NOT_MINE;
		idx = x;
	} else {
		return MT_LINE_NOT_MINE;
	}
	mt_cap_skip_blanks(s, n, &i);
	if (!(mt_cap_lit(s, n, &i, ":") || mt_cap_lit(s, n, &i, "=")))
		return MT_LINE_NOT_MINE;
	mt_cap_skip_blanks(s, n, &i);
	if (i >= n)
		return MT_LINE_PARTIAL;
	if (!value_eol(s, n, i, false, &v))
		return MT_LINE_NOT_MINE;
	record(c, (uint32_t)idx, v, 1);
	return MT_LINE_USED;
}

/* ------------------------------------------------------------ public access */

int memtype_capture_msr(const memtype_capture *c, uint32_t index, uint64_t *value, unsigned *reads,
			unsigned *differ)
{
	if (!c)
		return -EINVAL;
	int slot = mt_cap_msr_slot(index);
	const struct mt_cap_msr *m = slot < 0 ? NULL : mt_cap_msr(c, (unsigned)slot);
	if (!m)
		return -ENOENT;
	if (value)
		*value = m->value;
	if (reads)
		*reads = m->cpus + m->differ;
	if (differ)
		*differ = m->differ;
	return 0;
}

/* One line of the register text: an MSR where the capture first read it. */
struct reg_line {
	unsigned line;
	uint32_t index;
	uint64_t value;
};

static int by_line(const void *a, const void *b)
{
	const struct reg_line *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* MAXPHYADDR for the registers: CPUID's, else the width of the widest
 * valid PHYSMASK (the mask's ones reach up to MAXPHYADDR - 1, SDM Vol. 3A
 * §11.11.2.3), else 0 (the register file's default). */
static unsigned regs_phys_bits(const memtype_capture *c)
{
	unsigned w = 0;

	if (c->cpuid_phys_bits)
		return c->cpuid_phys_bits;
	for (unsigned i = 0; i < MEMTYPE_MAX_VCNT; i++) {
		const struct mt_cap_msr *k = mt_cap_msr(c, 2 + 2 * i);
		if (!k || !(k->value & 0x800u))
			continue;
		uint64_t mask = k->value & ~0xfffull;
		unsigned b = 0;
		while (b < 64 && (mask >> b))
			b++;
		if (b > w)
			w = b;
	}
	return w >= 32 && w <= 52 ? w : 0;
}

/*
 * The MSRs as a register file (docs/register-file.md) whose line numbers
 * are the capture's: line L holds the MSR the capture read at its line L,
 * the lines between are blank. The register-file parser then replays them
 * and reports a write the CPU would refuse (#GP) at the capture's own line.
 * Returns the size of the buffer *out (for mt_free; every line fits in 64
 * bytes, the blank ones in one), or 0 when it cannot be allocated.
 */
static size_t regs_text(const memtype_capture *c, const struct reg_line *l, size_t n, unsigned phys,
			char **out)
{
	size_t cap = (size_t)l[n - 1].line + 64 * n + 64, len = 0;
	char *t = mt_alloc(c->ctx, cap);
	unsigned at = 1;

	if (!t)
		return 0;
	for (size_t k = 0; k < n; k++) {
		for (; at < l[k].line; at++)
			t[len++] = '\n';
		if (l[k].index == MEMTYPE_MSR_MTRRCAP)
			len += (size_t)snprintf(t + len, cap - len, "mtrrcap: 0x%llx\n",
						(unsigned long long)l[k].value);
		else
			len +=
			    (size_t)snprintf(t + len, cap - len, "0x%x: 0x%llx\n",
					     (unsigned)l[k].index, (unsigned long long)l[k].value);
		at++;
	}
	if (c->vendor)
		len += (size_t)snprintf(t + len, cap - len, "cpu: %s\n",
					c->vendor == 2 ? "amd" : "intel");
	if (phys)
		len += (size_t)snprintf(t + len, cap - len, "phys_bits: %u\n", phys);
	*out = t;
	return cap;
}

int memtype_capture_to_regs(const memtype_capture *c, memtype_regs *r)
{
	struct reg_line l[MT_CAP_MSR_SLOTS];
	size_t n = 0;

	if (!c || !r)
		return -EINVAL;
	if (!mt_cap_msr(c, 1 + 0xff))
		return mt_error_at(c->ctx, -ENOENT, c->name, 1, 1, "no-msrs",
				   "no IA32_MTRR_DEF_TYPE (0x2ff) value: the capture holds no MSR "
				   "dump to take the registers from");
	/* MTRRcap, then the MTRR block 0x200-0x2ff and IA32_PAT: what a register
	 * file holds (SYSCFG and TOP_MEM2 are not register-file MSRs). */
	for (unsigned s = 0; s <= 256; s++) {
		uint32_t idx = s == 0 ? MEMTYPE_MSR_MTRRCAP : 0x200u + (s - 1);
		if (!mt_cap_msr(c, s) ||
		    !(s == 0 || idx == MEMTYPE_MSR_PAT || memtype_msr_is_mtrr(idx)))
			continue;
		l[n++] = (struct reg_line){c->msr[s].line, idx, c->msr[s].value};
	}
	qsort(l, n, sizeof(l[0]), by_line);
	for (size_t k = 1; k < n; k++)
		if (l[k].line <= l[k - 1].line)
			l[k].line = l[k - 1].line + 1; /* one MSR per line */
	char *text = NULL;
	size_t cap = regs_text(c, l, n, regs_phys_bits(c), &text);
	if (!cap)
		return -ENOMEM;
	int rc = memtype_regs_parse(r, c->name, text, strlen(text));
	mt_free(c->ctx, text, cap);
	return rc;
}
