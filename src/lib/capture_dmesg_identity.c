/*
 * capture_dmesg_identity.c - which kernel, machine and CPU a boot log comes
 * from: "Linux version %s" (init/version.c), "DMI: %s" (dmi_scan.c), the CPU
 * vendor hints, and the MTRR-related parameters of "Command line: %s"
 * (arch/x86/kernel/setup.c; Linux Documentation/admin-guide/
 * kernel-parameters.txt).
 */
#include "capture_dmesg.h"

#include <string.h>

void mt_dmesg_kernel_version(memtype_capture *c, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != ' ')
		i++;
	mt_cap_copy(c->kernel, sizeof(c->kernel), s, i);
	size_t k = 0;
	uint64_t major, minor = 0;
	if (mt_cap_dec(s, n, &k, &major) && k < n && s[k] == '.') {
		k++;
		if (!mt_cap_dec(s, n, &k, &minor))
			minor = 0;
		if (major < 100 && minor < 100)
			c->kernel_version = (unsigned)(major * 100 + minor);
	}
}

/* FNV-1a over the banner without trailing blanks (the log may keep one). */
uint64_t mt_dmesg_banner_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/*
 * A second "Linux version" line is the same boot, not a second one, when a
 * `memtype capture` file gives the banner twice: once from /proc/version
 * (section "kernel") and once from the kernel log (section "kernel-log").
 * /proc/version prints linux_banner, the very string start_kernel() logs
 * (init/version.c, init/main.c), so the two are identical. Two identical
 * banners in one log are still two boots (a reboot into the same kernel).
 */
bool mt_dmesg_same_boot_banner(const memtype_capture *c, const char *s, size_t n)
{
	return c->banner_sect != MT_FSECT_NONE && c->file_sect != MT_FSECT_NONE &&
	       c->banner_sect != c->file_sect && c->banner_hash == mt_dmesg_banner_hash(s, n);
}

void mt_dmesg_set_vendor(memtype_capture *c, int v, const char *why)
{
	if (c->vendor)
		return;
	c->vendor = v;
	mt_cap_copy(c->vendor_source, sizeof(c->vendor_source), why, strlen(why));
}

/* Parse a memparse()-style size ("64M", "0x1000", "2G"). */
static bool mem_size(const char *s, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v;
	size_t k = *i;

	if (k + 1 < n && s[k] == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X')) {
		if (!mt_cap_hex(s, n, &k, true, &v))
			return false;
	} else if (!mt_cap_dec(s, n, &k, &v)) {
		return false;
	}
	unsigned shift = 0;
	if (k < n) {
		switch (s[k]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		case 'T':
		case 't':
			shift = 40;
			break;
		default:
			break;
		}
		if (shift)
			k++;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	*i = k;
	return true;
}

/* The MTRR-related kernel parameters of a command line. */
void mt_dmesg_command_line(memtype_capture *c, const char *s, size_t n)
{
	struct mt_cap_params *p = &c->params;
	size_t i = 0;

	p->seen = true;
	while (i < n) {
		mt_cap_skip_blanks(s, n, &i);
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		const char *w = s + st;
		size_t wn = i - st, k;
		uint64_t v;

		if (wn == 19 && memcmp(w, "enable_mtrr_cleanup", 19) == 0)
			p->enable_cleanup = 1;
		else if (wn == 20 && memcmp(w, "disable_mtrr_cleanup", 20) == 0)
			p->enable_cleanup = 0;
		else if (wn == 17 && memcmp(w, "disable_mtrr_trim", 17) == 0)
			p->disable_trim = true;
		else if ((wn == 10 && memcmp(w, "mtrr=debug", 10) == 0) ||
			 (wn == 18 && memcmp(w, "mtrr_cleanup_debug", 18) == 0))
			p->mtrr_debug = true;
		else if (wn == 5 && memcmp(w, "nopat", 5) == 0)
			p->nopat = true;
		else if (mt_starts(w, wn, "mtrr_chunk_size=") && (k = 16, mem_size(w, wn, &k, &v)))
			p->chunk = v;
		else if (mt_starts(w, wn, "mtrr_gran_size=") && (k = 15, mem_size(w, wn, &k, &v)))
			p->gran = v;
		else if (mt_starts(w, wn, "mtrr_spare_reg_nr=") &&
			 (k = 18, mt_cap_dec(w, wn, &k, &v)))
			p->spare = v > 255 ? 255 : (int)v;
	}
}
