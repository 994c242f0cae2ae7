/*
 * PCI through the generic ECAM host bridge: enumerate bus 0, size and assign the BARs
 * of QEMU's pci-testdev (-device pci-testdev), then run every MMIO and I/O test the
 * device describes in its BAR headers: each write must reach the device exactly once.
 */
#include <libcflat.h>
#include <pci.h>
#include <subtest.h>

#define TESTDEV_BARS 2

static const char *bar_kind;

/*
 * A write the device registered an ioeventfd for (its "-eventfd" tests) is taken by
 * the eventfd and never reaches the device model; any other write is counted once.
 */
static void report_testdev(const struct pci_testdev_result *r)
{
	if (strstr(r->name, "no-eventfd"))
		report(r->counted == 1, "%s test %d (%s): the device model counts the write once (%u)",
		       bar_kind, r->test, r->name, r->counted);
	else
		report(r->counted == 0,
		       "%s test %d (%s): the ioeventfd takes the write, the device model counts none (%u)",
		       bar_kind, r->test, r->name, r->counted);
}

static void check_bar(pcidevaddr_t bdf, int n)
{
	bool io = pci_bar_is_io(bdf, n);
	u64 size = pci_bar_size(bdf, n), addr;
	int tests;

	bar_kind = io ? "portio" : "mmio";
	report(size && !(size & (size - 1)), "BAR%d (%s): decodes a power-of-two size (%lu bytes)", n,
	       bar_kind, (unsigned long)size);
	addr = pci_assign_bar(bdf, n);
	if (!addr) {
		report_fail("BAR%d (%s): no room in the host bridge's window", n, bar_kind);
		return;
	}
	pci_enable_decoding(bdf);
	tests = pci_testdev_run(addr, io, report_testdev);
	report(tests > 0, "BAR%d (%s) at %#lx: the device describes %d tests", n, bar_kind,
	       (unsigned long)addr, tests);
}

static void test_pci(int argc, char **argv)
{
	pcidevaddr_t bdf;
	int n;

	report_prefix_push("pci-test");
	if (!pci_host_present()) {
		report_skip("no pci-host-ecam-generic node in the device tree");
		goto out;
	}
	bdf = pci_find_device(PCI_VENDOR_REDHAT, PCI_DEVICE_TESTDEV);
	if (bdf == PCI_NO_DEVICE) {
		report_skip("no pci-testdev (%04x:%04x) on bus 0: add -device pci-testdev",
			    PCI_VENDOR_REDHAT, PCI_DEVICE_TESTDEV);
		goto out;
	}
	pci_print_bus();
	report(pci_config_read16(PCI_BDF(0, 0, 0), PCI_VENDOR_ID) != PCI_NO_VENDOR,
	       "00:00.0 (the host bridge) answers config reads");
	report(pci_config_read16(PCI_BDF(0, 31, 7), PCI_VENDOR_ID) == PCI_NO_VENDOR,
	       "an empty slot reads vendor %#x", PCI_NO_VENDOR);
	for (n = 0; n < TESTDEV_BARS; n++)
		check_bar(bdf, n);
out:
	report_prefix_pop();
}

static const struct subtest tests[] = {
	{ "pci-test", test_pci },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, "pci-test", argc, argv);
}
