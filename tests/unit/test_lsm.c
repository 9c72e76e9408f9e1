// SPDX-License-Identifier: GPL-2.0-only
/* The lsm tier's reason, from the kernel's list of LSMs and its lockdown mode. */
#include <errno.h>
#include <string.h>

#include "lsm.h"
#include "tap.h"

static void test_list(void)
{
	ok(emb_lsm_list_has_bpf("lockdown,capability,landlock,bpf\n"), "bpf last");
	ok(emb_lsm_list_has_bpf("bpf,capability"), "bpf first");
	ok(!emb_lsm_list_has_bpf("lockdown,capability,landlock\n"), "no bpf");
	ok(!emb_lsm_list_has_bpf("bpfx,xbpf,bp"), "no prefix or suffix matching");
	ok(!emb_lsm_list_has_bpf(""), "an empty list");
}

static void test_reasons(void)
{
	char why[512];

	emb_lsm_reason_absent("lockdown,capability,landlock\n", why, sizeof(why));
	is_str(why,
	       "bpf is not in /sys/kernel/security/lsm (it lists lockdown,capability,landlock; "
	       "boot with lsm=lockdown,capability,landlock,bpf)",
	       "absent: names the file, what it lists and the boot option");
	emb_lsm_reason_absent("\n", why, sizeof(why));
	is_str(why, "bpf is not in /sys/kernel/security/lsm (it is empty)", "an empty file");
	emb_lsm_reason_refused("capability,bpf\n", EPERM, "none [integrity] confidentiality\n", why,
			       sizeof(why));
	is_str(why,
	       "bpf is in /sys/kernel/security/lsm (capability,bpf), but the kernel refused the "
	       "lsm "
	       "programs: Operation not permitted (kernel lockdown: integrity)",
	       "refused: the errno and the lockdown mode");
	emb_lsm_reason_refused("capability,bpf", EINVAL, "[none] integrity confidentiality", why,
			       sizeof(why));
	ok(!strstr(why, "lockdown"), "lockdown none is not mentioned");
	emb_lsm_reason_refused("capability,bpf", EINVAL, NULL, why, sizeof(why));
	ok(strstr(why, "Invalid argument") && !strstr(why, "lockdown"), "no lockdown file");
}

int main(void)
{
	test_list();
	test_reasons();
	return done_testing();
}
