# A thin wrapper around Meson (as QEMU does): `make demo` and `make check`
# are the two commands of README's quick start on a fresh Debian 12.
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson
MEMTYPE    := $(BUILD)/src/cli/memtype

.PHONY: all deps demo check test check-asan bench fuzz install clean format capture-static check-qemu

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@sh scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja: | deps
	$(MESON) setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all

# The main job: the compatibility matrix, in the terminal and as matrix.html.
demo: all
	$(MEMTYPE) matrix --html matrix.html

test: all
	$(MESON) test -C $(BUILD) --print-errorlogs

check-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	MEMTYPE_DIFF_SCALE=$${MEMTYPE_DIFF_SCALE:-1} $(MESON) test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 4

# Every test, in the plain build and under ASan+UBSan. Both run even if the
# first fails, so one report shows everything.
check: all $(ASAN_BUILD)/build.ninja
	@rc=0; $(MESON) test -C $(BUILD) --print-errorlogs || rc=1; \
	ninja -C $(ASAN_BUILD) && $(MESON) test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 4 || rc=1; \
	exit $$rc

bench: all
	$(BUILD)/bench/bench_lookup
	$(BUILD)/bench/bench_sim

fuzz: | deps
	CC=clang $(MESON) setup build-fuzz -Dfuzz=true -Db_lundef=false 2>/dev/null || true
	ninja -C build-fuzz

# `memtype capture` as one static binary, for a minimal initramfs (issue 7).
capture-static: | deps
	test -f build-static/build.ninja || $(MESON) setup build-static -Dstatic=true -Dtests=disabled \
		--buildtype=release
	ninja -C build-static
	@echo "static memtype: build-static/src/cli/memtype"

# The QEMU conformance suite (docs/qemu-suite.md): boots every configuration
# of every stored capture (QEMU_SET=ci: two; all, cpuid or smp: one set),
# compares with the firmware model; QEMU_STORE=1 keeps the captures in
# tests/data/qemu/ for `make check`.
QEMU_SET   ?= every
QEMU_STORE ?= 0
QEMU_RUN    = sh tests/qemu/run.sh $(if $(filter 1,$(QEMU_STORE)),--store)
QEMU_BINS   = $(BUILD)/src/cli/memtype-static $(BUILD)/tests/qemu/memtype-guest-init $(MEMTYPE)
check-qemu: all
	@sh scripts/install-deps.sh qemu
	@if [ "$(QEMU_SET)" = every ]; then \
		rc=0; \
		$(QEMU_RUN) --set all $(QEMU_BINS) || rc=1; \
		$(QEMU_RUN) --set cpuid $(QEMU_BINS) || rc=1; \
		for n in 1 3 4 8; do $(QEMU_RUN) --set smp --smp $$n $(QEMU_BINS) || rc=1; done; \
		exit $$rc; \
	else \
		$(QEMU_RUN) --set $(QEMU_SET) $(QEMU_BINS); \
	fi

install: all
	$(MESON) install -C $(BUILD)

format:
	clang-format -i include/*.h src/lib/*.[ch] src/cli/*.[ch]

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
