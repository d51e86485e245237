/*
 * model.h - the layers above the architecture core, as plain data and the
 * functions between them (internal; the CLI sees only memtype.h).
 *
 * Data flows one way (DESIGN.md §1): a scenario (loaded from YAML by
 * scenario_yaml.c) describes the platform, firmware, hypervisor, guest and
 * the mappings in boot order; platform.c lays out e820 presets; fw_*.c say
 * what the firmware writes into the MTRRs; hv_kvm.c says what the guest sees
 * and what stage 2 does; linux_*.c model the guest kernel; sim.c runs them.
 *
 * Conventions: addresses inclusive at both ends unless a name says "_excl";
 * versions are encoded major * 100 + minor (Linux 6.12 -> 612, KVM 6.16 ->
 * 616), EDK2 releases as YYYYMM (edk2-stable202411 -> 202411), SeaBIOS as
 * major * 10000 + minor * 100 + patch (1.16.2 -> 11602).
 */
#ifndef MEMTYPE_MODEL_H
#define MEMTYPE_MODEL_H

#include "internal.h"

#define MT_NAME_MAX 48
#define MT_MAX_E820 64
#define MT_MAX_DEVICES 16
#define MT_MAX_MAPPINGS 64
#define MT_MAX_EXPECT 64
#define MT_MAX_MSR_WRITES 128
#define MT_MAX_PATCHES 8
#define MT_GIB (1ull << 30)
#define MT_4GIB (1ull << 32)

/* ---------------------------------------------------------------- platform */

/* e820 types, numbered as the kernel's enum e820_type (arch/x86/include/asm/e820/types.h). */
typedef enum mt_e820_type {
	MT_E820_RAM = 1,      /* "usable" */
	MT_E820_RESERVED = 2, /* "reserved" */
	MT_E820_ACPI = 3,     /* "ACPI data" */
	MT_E820_NVS = 4,      /* "ACPI NVS" */
	MT_E820_UNUSABLE = 5, /* "unusable" */
} mt_e820_type;

struct mt_e820_entry {
	uint64_t start, end; /* inclusive */
	mt_e820_type type;
};

typedef enum mt_machine { MT_MACHINE_CUSTOM, MT_MACHINE_Q35, MT_MACHINE_I440FX } mt_machine;

/* How a device region is backed, which decides what stage 2 does with it. */
typedef enum mt_backing {
	MT_BACKING_EMULATED,  /* the VMM emulates it: no stage-2 mapping, every access exits */
	MT_BACKING_HOST_MMIO, /* real device memory passed through (or bare-metal MMIO) */
	MT_BACKING_RAM,	      /* host RAM behind the region (e.g. a RAM-backed BAR) */
} mt_backing;

struct mt_device {
	char name[MT_NAME_MAX];
	uint64_t start, end; /* inclusive */
	mt_backing backing;
	/* The ACPI tables declare a SystemMemory OperationRegion over it (EDK2
	 * SecurityPkg/Tcg/Tcg2Acpi/Tpm.asl for the TPM; QEMU's DSDT for the HPET),
	 * so ACPI maps it with ioremap_cache() when AML touches it. */
	bool acpi_sysmem;
};

struct mt_platform {
	memtype_cpu cpu;
	unsigned phys_bits;
	/* CPUID 0x80000001 EDX[26] clear: no 1-GByte pages (SDM Vol. 2A CPUID;
	 * QEMU's qemu64 model lacks pdpe1gb). OVMF caps its address width at 40
	 * bits then (fw_ovmf.c). */
	bool no_page1gb;
	unsigned cpus; /* vCPUs (0 = 1): OVMF's ACPI NVS at the top of low RAM grows with them */
	mt_machine machine;
	uint64_t ram; /* total guest RAM for presets, 0 with an explicit e820 */
	struct mt_e820_entry e820[MT_MAX_E820]; /* sorted, non-overlapping */
	unsigned ne820;
	struct mt_device dev[MT_MAX_DEVICES];
	unsigned ndev;
};

/* ---------------------------------------------------------------- firmware */

typedef enum mt_fw_kind { MT_FW_NONE, MT_FW_SEABIOS, MT_FW_OVMF, MT_FW_REGISTERS } mt_fw_kind;

struct mt_msr_write {
	uint32_t index;
	uint64_t value;
};

struct mt_firmware {
	mt_fw_kind kind;
	unsigned version;		  /* see the header comment; 0 = the newest modelled */
	char version_text[MT_NAME_MAX];	  /* as written in the scenario */
	struct mt_msr_write regs[MT_MAX_MSR_WRITES]; /* MT_FW_REGISTERS: written in order */
	unsigned nregs;
};

/* ---------------------------------------------------------------- hypervisor */

typedef enum mt_hv_kind { MT_HV_NONE, MT_HV_KVM } mt_hv_kind;
typedef enum mt_coco { MT_COCO_NONE, MT_COCO_TDX, MT_COCO_SNP } mt_coco;

struct mt_hypervisor {
	mt_hv_kind kind;
	unsigned version; /* KVM version, e.g. 616 */
	char version_text[MT_NAME_MAX];
	mt_coco coco;
	bool noncoherent_dma;
	/* KVM quirks (Documentation/virt/kvm/api.rst KVM_CAP_DISABLE_QUIRKS2): both on by default. */
	bool quirk_cd_nw_cleared;
	bool quirk_ignore_guest_pat;
};

/* ---------------------------------------------------------------- guest */

/* Linux changes that scenarios can toggle with patches: [+name, -name]. */
typedef enum mt_patch {
	MT_PATCH_COCO_FORCE_WB = 1u << 0, /* 8e690b817e38 (6.12-rc5): force MTRRs to all-WB for SNP/TDX */
	MT_PATCH_CVE_2025_40181 = 1u << 1, /* 0dccbc75e18d (6.18-rc1): plus UC [TOLUD, 4G) */
	MT_PATCH_E820_ACPI_END = 1u << 2,  /* 06fa48d85b09 (6.11): end of low RAM counts ACPI data */
	/* The upstream design options of the Feb-2025 thread
	 * (<20250201005048.657470-1-seanjc@google.com> and replies), as
	 * policies the matrix can compare. Each is a model of a proposal, not
	 * of merged code; docs/scenario-format.md says what each assumes. */
	MT_PATCH_OPT_EMULATED_MTRRS = 1u << 3, /* keep firmware MTRRs, no CR0.CD toggling */
	MT_PATCH_OPT_ARCH_BIT = 1u << 4,       /* an architectural "MTRRs have no effect" bit */
	MT_PATCH_OPT_UNTRACKED_HOLE = 1u << 5, /* v1: [TOLUD, 4G] untracked by PAT */
} mt_patch;

struct mt_guest {
	unsigned version; /* Linux version, e.g. 612 */
	char version_text[MT_NAME_MAX];
	unsigned patches;   /* mt_patch bits in effect (version defaults +/- overrides) */
	bool clearcpuid_mtrr; /* kernel parameter clearcpuid=mtrr */
	bool mtrr_debug;      /* kernel parameter mtrr=debug */
	bool nopat;	      /* kernel parameter nopat */
};

/* ---------------------------------------------------------------- mappings */

typedef enum mt_call {
	MT_CALL_IOREMAP,	   /* UC- (Linux arch/x86/mm/ioremap.c) */
	MT_CALL_IOREMAP_UC,	   /* UC */
	MT_CALL_IOREMAP_WC,	   /* WC */
	MT_CALL_IOREMAP_WT,	   /* WT */
	MT_CALL_IOREMAP_CACHE,	   /* WB */
	MT_CALL_MEMREMAP_WB,	   /* RAM: direct map; else ioremap_cache */
	MT_CALL_MEMREMAP_WT,
	MT_CALL_MEMREMAP_WC,
	MT_CALL_DEVM_IOREMAP_RESOURCE, /* request region + ioremap (UC-) */
	MT_CALL_ACPI_MAP,	   /* acpi_os_map_memory: RAM -> kmap, else ioremap_cache */
	MT_CALL_FIXMAP_NOCACHE,	   /* set_fixmap_nocache: UC- PTE, no memtype tracking */
} mt_call;

struct mt_mapping {
	char who[MT_NAME_MAX];	  /* the caller, e.g. "acpi", "tpm_tis", "hpet" */
	char device[MT_NAME_MAX]; /* the device for driver messages, e.g. "MSFT0101:00"; may be "" */
	mt_call call;
	uint64_t start, end; /* inclusive */
	unsigned line;	     /* scenario line, for diagnostics */
};

/* One expectation of the scenario's expect: block. Unset fields are not checked. */
struct mt_expect {
	int mapping;	       /* index into mappings (0-based), or -1 for scenario-wide checks */
	int ok;		       /* -1 unset, 0 false, 1 true */
	int granted;	       /* memtype_type, or -1 unset; -2 = null (refused) */
	int effective;	       /* memtype_type at the mapping's start, or -1 */
	char message[160];     /* substring of the mapping's (or any) kernel message; "" unset */
	char finding[MT_NAME_MAX]; /* a finding code that must be present; "" unset */
	char no_finding[MT_NAME_MAX]; /* a finding code that must be absent; "" unset */
	char mtrr_source[16];  /* "hardware" | "forced" | "none"; "" unset */
	unsigned line;
};

struct mt_scenario {
	char name[96];
	char file[256];
	struct mt_platform platform;
	struct mt_firmware firmware;
	struct mt_hypervisor hv;
	struct mt_guest guest;
	struct mt_mapping map[MT_MAX_MAPPINGS];
	unsigned nmap;
	struct mt_expect expect[MT_MAX_EXPECT];
	unsigned nexpect;
};

/* ---------------------------------------------------------------- functions */

/*
 * scenario_yaml.c: parse YAML text into *out (zeroed first, defaults
 * applied; a preset only sets machine and ram -- the caller expands it with
 * mt_platform_apply_preset; cross-checked:
 * e820 sorted/non-overlapping, addresses below 2^phys_bits, sizes > 0,
 * known versions). Errors: mt_error_at(ctx, -EINVAL, file, line, col, code,
 * ...) with codes "yaml-syntax", "unknown-key" (message names the closest
 * valid key), "bad-type", "bad-value", "missing-key", "out-of-range",
 * "overlap", "unknown-version".
 */
int mt_scenario_parse_yaml(memtype_ctx *ctx, const char *file, const char *text, size_t len,
			   struct mt_scenario *out);

/* The axes: block of a scenario (docs/scenario-format.md): up to
 * MT_MAX_AXES keys, each with up to MT_AXIS_MAX_VALUES values. */
#define MT_MAX_AXES 4u
#define MT_AXIS_MAX_VALUES 16u
struct mt_axis {
	char key[MT_NAME_MAX];			   /* e.g. "guest.version" */
	unsigned nvalues;
	char value[MT_AXIS_MAX_VALUES][MT_NAME_MAX]; /* each value as text */
};
struct mt_axes {
	unsigned n;
	struct mt_axis axis[MT_MAX_AXES];
};

/*
 * The same, recording the declared axes in *axes (may be NULL) and, with
 * choice (one value index per axis), parsing the scenario as if each axis
 * key held the chosen value -- so every value is validated by the same
 * schema, with errors at the value's own line and column.
 */
int mt_scenario_parse_yaml_axes(memtype_ctx *ctx, const char *file, const char *text, size_t len,
				const size_t *choice, struct mt_axes *axes, struct mt_scenario *out);

/*
 * platform.c: fill p->e820 for p->machine (q35, i440fx) with p->ram bytes of
 * RAM as QEMU splits it below/above 4 GiB, plus the reserved areas the given
 * firmware adds (SeaBIOS and OVMF differ). 0 or -EINVAL (unsupported size).
 */
int mt_platform_apply_preset(memtype_ctx *ctx, struct mt_platform *p, const struct mt_firmware *fw);
/* The end (exclusive) of RAM below 4 GiB as QEMU lays it out ("TOLUD"). */
uint64_t mt_platform_low_ram_end(const struct mt_platform *p);
/* The address width OVMF of release version (YYYYMM, 0 = newest) settles on
 * (PhysMemAddressWidth; fw_ovmf.c): CPUID's when it trusts it, else the bits
 * its classic 64-bit window needs. */
unsigned mt_ovmf_address_width(const struct mt_platform *p, unsigned version);
/* Linux's e820__end_of_low_ram_pfn() << PAGE_SHIFT: the highest end
 * (exclusive) of an e820 RAM entry -- and, with count_acpi, ACPI data entry
 * (06fa48d85b09, 6.11) -- below 4 GiB, clamped to 4 GiB. */
uint64_t mt_e820_end_of_low_ram(const struct mt_platform *p, bool count_acpi);
/* The e820 type covering addr, or 0 when no entry does. */
unsigned mt_e820_type_at(const struct mt_platform *p, uint64_t addr);
/* The kernel's word for an e820 type ("usable", "reserved", "ACPI data",
 * "ACPI NVS", "unusable"; arch/x86/kernel/e820.c e820_print_type), or
 * "reserved" for a value outside the enum. */
const char *mt_e820_type_word(unsigned type);
/* True when [start, end] lies entirely in e820 RAM. */
bool mt_e820_all_ram(const struct mt_platform *p, uint64_t start, uint64_t end);
/* True when some byte of [start, end] is e820 RAM. */
bool mt_e820_any_ram(const struct mt_platform *p, uint64_t start, uint64_t end);

/*
 * fw_seabios.c / fw_ovmf.c: the MSR writes the firmware makes, in order, for
 * this scenario (platform, firmware version, hypervisor and CoCo kind). *n
 * may be 0 (firmware that leaves the MTRRs alone, e.g. OVMF >= 202411 in a
 * TDX guest); *note then says why (static string with its source), else NULL.
 */
int mt_fw_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
		  unsigned *n, const char **note);


/*
 * hv_kvm.c: the hypervisor layer. What the guest sees of the MTRRs, and what
 * stage 2 (EPT, NPT, the TDX module's Secure EPT) does to an access.
 */
struct mt_guest_view {
	bool cpuid_mtrr;     /* CPUID.1:EDX.MTRR[12] as the guest sees it */
	bool msrs_via_host;  /* MTRR MSR accesses are served by the untrusted host (#VE/#VC) */
	bool cd_faults;	     /* setting CR0.CD raises #VE (TDX) */
	uint64_t mtrrcap;    /* MTRRcap the guest reads */
	const char *source;  /* citation for the above */
};
void mt_hv_guest_view(const struct mt_scenario *s, struct mt_guest_view *v);

/* What backs a guest-physical address, for stage 2. */
typedef enum mt_gpa_class {
	MT_GPA_RAM,	  /* guest RAM (private memory in a CoCo guest) */
	MT_GPA_HOST_MMIO, /* real device memory (passthrough, or bare-metal MMIO) */
	MT_GPA_EMULATED,  /* emulated by the VMM: no stage-2 mapping, every access exits */
	MT_GPA_SHARED_RAM, /* host RAM behind a device region (shared in a CoCo guest) */
} mt_gpa_class;
mt_gpa_class mt_gpa_classify(const struct mt_scenario *s, uint64_t gpa);

/*
 * The effective type of an access to gpa through a guest PTE whose PAT entry
 * holds gpat. hw is the MTRR state the (virtual) hardware holds: the real
 * MTRRs on bare metal, KVM's per-vCPU MTRR storage in a guest (used by KVM
 * <= 6.10 with non-coherent DMA). *detail names the stage-2 decision (static
 * string with its source). The result's steps carry the combining tables.
 */
void mt_stage2_effective(const struct mt_scenario *s, const memtype_mtrr *hw, uint64_t gpa,
			 memtype_type gpat, memtype_result *out, const char **detail);

#endif /* MEMTYPE_MODEL_H */
