/*
 * types.c - memory types and every spelling the field uses.
 *
 * The same six types appear as SDM mnemonics ("UC-"), as the words Linux
 * prints in /proc/mtrr and its MTRR boot dump ("uncachable", sic), as the
 * words of its PAT memtype list ("uncached-minus"), and as Linux's
 * page_cache_mode numbers in "requested 0x2, got 0x0". Log parsers and the
 * CLI convert through this one table.
 */
#include "internal.h"

#include <string.h>

/* A spelling and its length, counted by the compiler (W("UC")), so that
 * parsing compares lengths before bytes without a strlen() per candidate. */
struct word {
	const char *s; /* NULL: the type has no such spelling */
	size_t len;
};
#define W(lit) { lit, sizeof(lit) - 1 }
#define NONE   { NULL, 0 }

struct type_names {
	memtype_type type;
	struct word shortname;
	/* Linux arch/x86/kernel/cpu/mtrr/if.c mtrr_strings[] (mtrr_attrib_to_str):
	 * the words of /proc/mtrr and of the MTRR boot dump. "uncachable" is
	 * the kernel's spelling. */
	struct word mtrr_word;
	/* Linux arch/x86/mm/pat/memtype.h cattr_name() (arch/x86/mm/pat_internal.h
	 * before v5.6): the words of /sys/kernel/debug/x86/pat_memtype_list
	 * and of the "x86/PAT:" conflict messages. */
	struct word pat_word;
	/* Intel SDM Vol. 3A §11.3 Table 11-2 names; AMD APM Vol. 2 §7.4 for CD/WC+. */
	struct word longname;
	/* Linux arch/x86/include/asm/pgtable_types.h (v6.12) enum page_cache_mode. */
	int pcm;
};

static const struct type_names names[] = {
	{ MEMTYPE_UC, W("UC"), W("uncachable"), W("uncached"), W("Uncacheable (UC)"), 3 },
	{ MEMTYPE_WC, W("WC"), W("write-combining"), W("write-combining"),
	  W("Write Combining (WC)"), 1 },
	{ MEMTYPE_WT, W("WT"), W("write-through"), W("write-through"), W("Write-through (WT)"), 4 },
	{ MEMTYPE_WP, W("WP"), W("write-protect"), W("write-protected"),
	  W("Write-protected (WP)"), 5 },
	{ MEMTYPE_WB, W("WB"), W("write-back"), W("write-back"), W("Write-back (WB)"), 0 },
	{ MEMTYPE_UC_MINUS, W("UC-"), NONE, W("uncached-minus"), W("Uncached (UC-)"), 2 },
	{ MEMTYPE_WC_PLUS, W("WC+"), NONE, NONE, W("Write-combining plus (WC+)"), -1 },
	{ MEMTYPE_UNDEFINED, W("undefined"), NONE, NONE, W("Undefined MTRR overlap"), -1 },
};

static const struct type_names *find(int t)
{
	for (size_t i = 0; i < MT_ARRAY_SIZE(names); i++)
		if ((int)names[i].type == t)
			return &names[i];
	return NULL;
}

bool memtype_type_is_known(int t)
{
	return find(t) != NULL;
}

bool memtype_encoding_valid(memtype_field f, uint64_t enc)
{
	/* MTRR: SDM §11.11.2.1 / Table 11-8 (0,1,4,5,6; 2,3,7..255 reserved).
	 * PAT: SDM §11.12.2 Table 11-10 adds 7 (UC-). EPT: SDM §28.2.3.1, the
	 * MTRR set; 2, 3 and 7 are EPT misconfigurations. */
	switch (enc) {
	case MEMTYPE_UC:
	case MEMTYPE_WC:
	case MEMTYPE_WT:
	case MEMTYPE_WP:
	case MEMTYPE_WB:
		return true;
	case MEMTYPE_UC_MINUS:
		return f == MEMTYPE_FIELD_PAT;
	default:
		return false;
	}
}

const char *memtype_type_name(memtype_type t, memtype_spelling s)
{
	const struct type_names *n = find((int)t);
	if (!n)
		return NULL;
	switch (s) {
	case MEMTYPE_SPELL_SHORT:
		return n->shortname.s;
	case MEMTYPE_SPELL_MTRR_WORD:
		return n->mtrr_word.s;
	case MEMTYPE_SPELL_PAT_WORD:
		return n->pat_word.s;
	case MEMTYPE_SPELL_LONG:
		return n->longname.s;
	}
	return NULL;
}

/* mt_word_eq() against a word of known length wl. */
static bool word_eq_len(const char *s, size_t len, const char *word, size_t wl)
{
	if (wl != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char a = s[i], b = word[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

bool mt_word_eq(const char *s, size_t len, const char *word)
{
	return word_eq_len(s, len, word, strlen(word));
}

int memtype_type_parse(const char *s, size_t len, memtype_type *out)
{
	if (!s || len == 0)
		return -EINVAL;
	for (size_t i = 0; i < MT_ARRAY_SIZE(names); i++) {
		const struct type_names *n = &names[i];
		const struct word *cand[] = { &n->shortname, &n->mtrr_word, &n->pat_word,
					      &n->longname };
		for (size_t k = 0; k < MT_ARRAY_SIZE(cand); k++) {
			if (cand[k]->s && word_eq_len(s, len, cand[k]->s, cand[k]->len)) {
				*out = n->type;
				return 0;
			}
		}
	}
	return -EINVAL;
}

int memtype_type_to_linux_pcm(memtype_type t)
{
	const struct type_names *n = find((int)t);
	return n ? n->pcm : -1;
}

int memtype_type_from_linux_pcm(unsigned pcm, memtype_type *out)
{
	for (size_t i = 0; i < MT_ARRAY_SIZE(names); i++) {
		if (names[i].pcm >= 0 && (unsigned)names[i].pcm == pcm) {
			*out = names[i].type;
			return 0;
		}
	}
	return -EINVAL;
}
