# SPDX-License-Identifier: GPL-2.0-only
# embargo: make builds build/embargod and build/embargo; make check runs every test.
# Everything is built under $(OUTPUT); V=1 shows the commands.

OUTPUT ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
PREFIX ?= /usr/local

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Ibpf -Iuserspace/lib -I$(OUTPUT)
override CFLAGS += $(WARNINGS) -std=gnu11 -MMD -MP
LIBS_BPF := -lbpf -lelf -lz
# What userspace/lib needs beyond libc (hashing, ELF notes): the CLI and the unit tests link it.
LIBS_LIB := -lcrypto -lelf -pthread
# The daemon's audit and journal sinks (--audit, --journal) and their sending thread; its
# seccomp allowlist (libseccomp: portable across architectures, no hand-written BPF).
LIBS_SINKS := -laudit -lsystemd -lseccomp -pthread

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:
.PHONY: all check check-full test unit deps clean format lint vmtest bench

LIB_SRCS := $(wildcard userspace/lib/*.c)
LIB_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS))
DAEMON_SRCS := $(wildcard userspace/embargod/*.c)
DAEMON_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(DAEMON_SRCS))
CLI_SRCS := $(wildcard userspace/embargo/*.c)
CLI_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(CLI_SRCS))
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

all: $(OUTPUT)/embargod $(OUTPUT)/embargo

# The kernel's types, for CO-RE: generated from the running kernel's BTF, never committed.
$(OUTPUT)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)test -r $(VMLINUX_BTF) || { echo "no BTF at $(VMLINUX_BTF): the kernel needs CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -I$(OUTPUT) -Ibpf -MMD -MP -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/obj/%.o: userspace/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(DAEMON_OBJS): $(SKELS)

$(OUTPUT)/libembargo.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The daemon hashes files too (sha256= rules in the tracepoint tier): libcrypto.
$(OUTPUT)/embargod: $(DAEMON_OBJS) $(OUTPUT)/libembargo.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS_BPF) $(LIBS_LIB) $(LIBS_SINKS) -o $@

$(OUTPUT)/embargo: $(CLI_OBJS) $(OUTPUT)/libembargo.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS_LIB) -o $@

# Unit tests are built with sanitizers: they run the library code on hostile input.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_SRCS) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) $< $(LIB_SRCS) $(LIBS_LIB) -o $@

# Fuzzing: libFuzzer harnesses (tests/fuzz/fuzz_NAME.c) on the library, built by clang with ASan
# and UBSan. make fuzz runs each for FUZZ_SECONDS on a copy of its seed corpus under
# $(OUTPUT)/fuzz; a crash, leak or timeout fails it, its input kept in $(OUTPUT)/fuzz/artifacts.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 $(WARNINGS) -std=gnu11 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJS := $(patsubst userspace/lib/%.c,$(OUTPUT)/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
.PHONY: fuzz
$(OUTPUT)/fuzz/obj/%.o: userspace/lib/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) $(LIBS_LIB) -o $@
fuzz: $(FUZZ_BINS)
	$(Q)OUTPUT=$(OUTPUT) tests/fuzz/run.sh --seconds $(FUZZ_SECONDS)
-include $(wildcard $(OUTPUT)/fuzz/obj/*.d)

# Test helpers run inside the VM too, where only the project's own binaries bring their
# libraries along: link them statically.
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/%,$(HELPER_SRCS))
$(OUTPUT)/tests/%: tests/helpers/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -static $< -o $@

# And victims that need the dynamic loader: a program, a dlopen() driver, a library.
DYN_HELPER_BINS := $(patsubst tests/helpers/dynamic/%.c,$(OUTPUT)/tests/%,$(wildcard tests/helpers/dynamic/*.c))
SHARED_HELPER_LIBS := $(patsubst tests/helpers/shared/%.c,$(OUTPUT)/tests/lib%.so,$(wildcard tests/helpers/shared/*.c))
$(OUTPUT)/tests/%: tests/helpers/dynamic/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@
$(OUTPUT)/tests/lib%.so: tests/helpers/shared/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -shared -fPIC $< -o $@

# Benchmarks: not tests. Ratios measured side by side in one run (see bench/).
BENCH_BINS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(wildcard bench/*.c))
$(OUTPUT)/bench/%: bench/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -static $< -o $@
# The event throughput bench uses the burst test's helper.
BENCH_BINS += $(OUTPUT)/bench/exec_many
$(OUTPUT)/bench/exec_many: tests/helpers/exec_many.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -static $< -o $@

unit: $(UNIT_BINS)

CHECK_DEPS := all unit $(HELPER_BINS) $(DYN_HELPER_BINS) $(SHARED_HELPER_LIBS) $(FUZZ_BINS)
check: $(CHECK_DEPS)
	$(Q)tests/run

# make check, with the 100,000-exec burst in full on one kernel (see tests/run).
check-full: $(CHECK_DEPS)
	$(Q)EMBARGO_FULL_BURST_KERNEL=6.12 tests/run

test: check

bench: all $(BENCH_BINS)
	$(Q)scripts/bench.sh

vmtest: all
	$(Q)scripts/vmtest.sh $(VMTEST_ARGS)

# What building needs on Debian 12 (as root): make deps. What the tests need on top of it (the
# VM harness, linters, sanitizer and fuzzer runtimes, the sinks' daemons, the report's browser,
# the package build): make test-deps.
DEB_PACKAGES := make gcc clang libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev \
	libseccomp-dev libssl-dev pkg-config libaudit-dev libsystemd-dev
DEB_TEST_PACKAGES := busybox-static qemu-system-x86 cpio gzip zstd debian-archive-keyring \
	shellcheck clang-format auditd chromium rpm jq systemd libclang-rt-dev \
	debhelper dpkg-dev fakeroot lintian man-db groff-base
.PHONY: test-deps
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PACKAGES)

test-deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_TEST_PACKAGES)

# make install [PREFIX=/usr/local] [DESTDIR=]: the programs, their man pages and bash completion,
# the systemd unit, the reference policies, the README and docs/design.md. The policy directory
# embargod reads is configuration: it is made, with the bundled ban list, only when it does not
# exist; install never replaces it, and uninstall removes only what in it is unchanged. Logs and state (/var/log/embargo, /var/lib/embargo) are
# embargod's data, made by systemd: neither target touches them.
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
DOCDIR ?= $(DATADIR)/doc/embargo
MANDIR ?= $(DATADIR)/man
# Where bash-completion looks for a command's completion when it is first completed.
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
# Not under PREFIX: /etc/embargo/policy.d is embargod's built-in default.
SYSCONFDIR ?= /etc
# On systemd's unit path for /usr and /usr/local alike; Debian 12 (merged /usr) has
# /lib/systemd/system and /usr/lib/systemd/system as one directory. A bookworm .deb would say
# UNITDIR=/lib/systemd/system, where debhelper puts units.
UNITDIR ?= $(PREFIX)/lib/systemd/system
POLICY_DIR := $(SYSCONFDIR)/embargo/policy.d
DEFAULT_POLICIES := kaspersky.policy
SHARED_POLICY_FILES := $(notdir $(wildcard policies/*.policy)) FORMAT.md
MAN8_PAGES := $(wildcard man/*.8)
MAN5_PAGES := $(wildcard man/*.5)
.PHONY: install uninstall

install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(OUTPUT)/embargod "$(DESTDIR)$(SBINDIR)/embargod"
	$(Q)install -D -m 0755 $(OUTPUT)/embargo "$(DESTDIR)$(BINDIR)/embargo"
	$(Q)install -d -m 0755 "$(DESTDIR)$(DATADIR)/embargo/policies"
	$(Q)install -m 0644 $(addprefix policies/,$(SHARED_POLICY_FILES)) \
		"$(DESTDIR)$(DATADIR)/embargo/policies/"
	$(Q)install -D -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"
	$(Q)install -m 0644 docs/design.md "$(DESTDIR)$(DOCDIR)/design.md"
	$(Q)install -d -m 0755 "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(MANDIR)/man5"
	$(Q)install -m 0644 $(MAN8_PAGES) "$(DESTDIR)$(MANDIR)/man8/"
	$(Q)install -m 0644 $(MAN5_PAGES) "$(DESTDIR)$(MANDIR)/man5/"
	$(Q)install -D -m 0644 dist/bash-completion/embargo "$(DESTDIR)$(COMPLETIONDIR)/embargo"
	$(Q)ln -sf embargo "$(DESTDIR)$(COMPLETIONDIR)/embargod"
	$(Q)mkdir -p $(OUTPUT)/dist
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
		-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		dist/embargod.service > $(OUTPUT)/dist/embargod.service
	$(Q)install -D -m 0644 $(OUTPUT)/dist/embargod.service "$(DESTDIR)$(UNITDIR)/embargod.service"
	$(Q)if [ -e "$(DESTDIR)$(POLICY_DIR)" ]; then \
		echo "  kept     $(DESTDIR)$(POLICY_DIR): configuration, not replaced"; \
	else \
		install -d -m 0755 "$(DESTDIR)$(POLICY_DIR)" && \
		install -m 0644 $(addprefix policies/,$(DEFAULT_POLICIES)) "$(DESTDIR)$(POLICY_DIR)/"; \
	fi

uninstall:
	$(call msg,UNINST,$(DESTDIR)$(PREFIX))
	$(Q)rm -f "$(DESTDIR)$(SBINDIR)/embargod" "$(DESTDIR)$(BINDIR)/embargo" \
		"$(DESTDIR)$(UNITDIR)/embargod.service" "$(DESTDIR)$(DOCDIR)/README.md" \
		"$(DESTDIR)$(DOCDIR)/design.md" \
		$(addprefix "$(DESTDIR)$(MANDIR)/man8/,$(addsuffix ",$(notdir $(MAN8_PAGES)))) \
		$(addprefix "$(DESTDIR)$(MANDIR)/man5/,$(addsuffix ",$(notdir $(MAN5_PAGES)))) \
		"$(DESTDIR)$(COMPLETIONDIR)/embargo" "$(DESTDIR)$(COMPLETIONDIR)/embargod"
	$(Q)for f in $(SHARED_POLICY_FILES); do rm -f "$(DESTDIR)$(DATADIR)/embargo/policies/$$f"; done
	$(Q)for f in $(DEFAULT_POLICIES); do \
		if cmp -s "policies/$$f" "$(DESTDIR)$(POLICY_DIR)/$$f"; then \
			rm -f "$(DESTDIR)$(POLICY_DIR)/$$f"; fi; done
	$(Q)rmdir "$(DESTDIR)$(DATADIR)/embargo/policies" "$(DESTDIR)$(DATADIR)/embargo" \
		"$(DESTDIR)$(DOCDIR)" 2> /dev/null || true
	$(Q)rmdir "$(DESTDIR)$(POLICY_DIR)" "$(DESTDIR)$(SYSCONFDIR)/embargo" 2> /dev/null || true
	$(Q)if [ -e "$(DESTDIR)$(POLICY_DIR)" ]; then \
		echo "  kept     $(DESTDIR)$(POLICY_DIR): policies changed or added there"; fi

format:
	clang-format -i bpf/*.c bpf/*.h bpf/lib/*.h userspace/*/*.c userspace/*/*.h tests/unit/*.c tests/unit/*.h tests/helpers/*.c tests/helpers/*/*.c tests/fuzz/*.c tests/fuzz/*.h bench/*.c bench/project/*.c bench/project/*.h

lint:
	clang-format --dry-run -Werror bpf/*.c bpf/*.h bpf/lib/*.h userspace/*/*.c userspace/*/*.h tests/unit/*.c tests/unit/*.h tests/helpers/*.c tests/helpers/*/*.c tests/fuzz/*.c tests/fuzz/*.h bench/*.c bench/project/*.c bench/project/*.h
	shellcheck -x -P SCRIPTDIR scripts/*.sh tests/run tests/kernel/*.sh tests/lsm/*.sh tests/cli/*.sh tests/lib/*.sh tests/fuzz/*.sh bench/*.sh .ci/run dist/bash-completion/embargo

clean:
	rm -rf $(OUTPUT)/obj $(OUTPUT)/bpf $(OUTPUT)/tests $(OUTPUT)/*.skel.h $(OUTPUT)/vmlinux.h \
		$(OUTPUT)/libembargo.a $(OUTPUT)/embargod $(OUTPUT)/embargo $(OUTPUT)/dist $(OUTPUT)/fuzz

-include $(wildcard $(OUTPUT)/obj/*/*.d $(OUTPUT)/bpf/*.d)
