/*
 * fw_program.c - what the scenario's firmware writes into the MTRRs, in
 * order: the dispatch over the firmware models.
 *
 *  none      - no firmware touches the MTRRs (a VMM that boots the kernel
 *              directly, or a scenario about the reset state): they keep the
 *              state of SDM Vol. 3A §11.11.5, IA32_MTRR_DEF_TYPE.E = 0, so
 *              every access is UC until someone programs them.
 *  seabios   - fw_seabios.c (coreboot/seabios src/fw/mtrr.c).
 *  ovmf      - fw_ovmf.c (tianocore/edk2 OvmfPkg + UefiCpuPkg MtrrLib).
 *  registers - the scenario lists the writes itself (for firmware the model
 *              does not know, or values read from a real machine).
 */
#include "model.h"

/* The firmware models; one definition each, in fw_seabios.c and fw_ovmf.c. */
int mt_fw_seabios_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
			  unsigned *n, const char **note);
int mt_fw_ovmf_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
		       unsigned *n, const char **note);

int mt_fw_program(memtype_ctx *ctx, const struct mt_scenario *s, struct mt_msr_write *out,
		  unsigned *n, const char **note)
{
	const struct mt_firmware *fw = &s->firmware;

	*n = 0;
	*note = NULL;
	switch (fw->kind) {
	case MT_FW_NONE:
		*note = "no firmware: MTRRs stay at reset (E=0, everything UC; SDM Vol. 3A "
			"§11.11.5)";
		return 0;
	case MT_FW_SEABIOS:
		return mt_fw_seabios_program(ctx, s, out, n, note);
	case MT_FW_OVMF:
		return mt_fw_ovmf_program(ctx, s, out, n, note);
	case MT_FW_REGISTERS:
		if (fw->nregs > MT_MAX_MSR_WRITES)
			return mt_error(ctx, -EINVAL, "out-of-range",
					"%u register writes, at most %d", fw->nregs,
					MT_MAX_MSR_WRITES);
		for (unsigned i = 0; i < fw->nregs; i++)
			out[i] = fw->regs[i];
		*n = fw->nregs;
		if (!*n)
			*note = "firmware: registers lists no writes: MTRRs stay at reset (E=0)";
		return 0;
	}
	return mt_error(ctx, -EINVAL, "bad-value", "unknown firmware kind %d", (int)fw->kind);
}
