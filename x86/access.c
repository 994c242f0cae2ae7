/*
 * The paging permission matrix (SDM vol. 3 4.6, 4.7, 4.8). One test page is mapped through
 * a page table of its own (4 KiB) or a 2 MiB PDE; every combination of the leaf's P, R/W,
 * U/S and XD bits and of the PDE's R/W, U/S and XD bits is tried for a read, a write and an
 * instruction fetch at CPL 0 and CPL 3, under each combination of CR0.WP, CR4.SMEP and
 * CR4.SMAP (each only where CPUID has it). A denied access must raise #PF with the error code
 * and CR2 the architecture gives; an allowed one must not, and must set the accessed flag
 * (and the dirty flag for a write). Reserved bits in either entry raise #PF with RSVD.
 * Sub-tests: "small" (the default, a 4 KiB leaf), "large" (a 2 MiB PDE) and "fep", 4 KiB
 * with the reads and writes through KVM's forced-emulation prefix (UD2 "kvm", offered
 * with kvm.force_emulation_prefix=1), so the hypervisor's emulator walks the page tables;
 * without it (the prefix raises #UD) the entry SKIPs.
 */
#include <libcflat.h>
#include <subtest.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

#define TEST_VA 0x7fe00000UL /* the last 2 MiB below 2 GiB: no RAM there in these guests */
#define DATA_OFFSET 64
#define LEAF_FLAGS (PT_PRESENT | PT_WRITABLE | PT_USER | PT_NX)

enum access { READ, WRITE, FETCH, NR_ACCESSES };
static const char *const access_names[] = { "read", "write", "fetch" };

struct controls {
	bool wp, smep, smap;
};

struct target {
	pteval_t *pde, *pte; /* pte NULL: the PDE is a 2 MiB leaf */
	phys_addr_t pa;
};

static void kernel_read(void *p)
{
	(void)*(volatile u32 *)p;
}

static void kernel_write(void *p)
{
	*(volatile u32 *)p = 0x5a;
}

static void __user_text user_read(void *p)
{
	(void)*(volatile u32 *)p;
}

static void __user_text user_write(void *p)
{
	*(volatile u32 *)p = 0xa5;
}

static bool fep;

static void kernel_read_fep(void *p)
{
	asm volatile(FEP "mov (%0), %%eax" : : "r"(p) : "eax", "memory");
}

static void kernel_write_fep(void *p)
{
	asm volatile(FEP "movl $0x5a, (%0)" : : "r"(p) : "memory");
}

static void __user_text user_read_fep(void *p)
{
	asm volatile(FEP "mov (%0), %%eax" : : "r"(p) : "eax", "memory");
}

static void __user_text user_write_fep(void *p)
{
	asm volatile(FEP "movl $0xa5, (%0)" : : "r"(p) : "memory");
}

static void __user_text user_fetch(void *p)
{
	((void (*)(void))p)();
}

/* Run one access; the vector it raised, with *f filled. */
static int do_access(enum access a, bool user, struct fault *f)
{
	void *data = (void *)(TEST_VA + DATA_OFFSET), *code = (void *)TEST_VA;

	switch (a) {
	case READ:
		if (fep)
			return user ? run_in_user(user_read_fep, data, f) :
				      run_catching(kernel_read_fep, data, f);
		return user ? run_in_user(user_read, data, f) : run_catching(kernel_read, data, f);
	case WRITE:
		if (fep)
			return user ? run_in_user(user_write_fep, data, f) :
				      run_catching(kernel_write_fep, data, f);
		return user ? run_in_user(user_write, data, f) : run_catching(kernel_write, data, f);
	default:
		return user ? run_in_user(user_fetch, code, f) :
			      run_catching((fragment_t)code, NULL, f);
	}
}

/*
 * The error code a correct CPU reports for this access, or -1 if it is allowed. @dir is the
 * PDE of a 4 KiB mapping (its R/W, U/S, XD combine with the leaf's); a 2 MiB leaf passes
 * flags that allow everything. EFER.NXE is set, so fetches always report I/D.
 */
static int expected_error(pteval_t leaf, pteval_t dir, enum access a, bool user,
			  const struct controls *c)
{
	bool user_page = (leaf & PT_USER) && (dir & PT_USER);
	bool writable = (leaf & PT_WRITABLE) && (dir & PT_WRITABLE);
	bool nx = (leaf & PT_NX) || (dir & PT_NX);
	int code = (a == WRITE ? PFERR_WRITE : 0) | (user ? PFERR_USER : 0) |
		   (a == FETCH ? PFERR_FETCH : 0);
	bool denied;

	if (!(leaf & PT_PRESENT))
		return code;
	if (user && !user_page)
		return code | PFERR_PRESENT;
	switch (a) {
	case READ:
		denied = !user && c->smap && user_page;
		break;
	case WRITE:
		denied = user ? !writable :
				(c->wp && !writable) || (c->smap && user_page);
		break;
	default:
		denied = nx || (!user && c->smep && user_page);
		break;
	}
	return denied ? code | PFERR_PRESENT : -1;
}

static void set_controls(const struct controls *c)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();

	cr0 = c->wp ? cr0 | X86_CR0_WP : cr0 & ~X86_CR0_WP;
	cr4 &= ~(X86_CR4_SMEP | X86_CR4_SMAP);
	cr4 |= (c->smep ? X86_CR4_SMEP : 0) | (c->smap ? X86_CR4_SMAP : 0);
	write_cr0(cr0);
	write_cr4(cr4);
}

struct tally {
	int right, wrong;
};

/* Install the entries, run one access, compare with expected_error(); count the result. */
static void try_one(const struct target *t, pteval_t leaf, pteval_t dir, enum access a,
		    bool user, const struct controls *c, struct tally *tally)
{
	int want = expected_error(leaf, t->pte ? dir : PT_WRITABLE | PT_USER, a, user, c);
	pteval_t *leaf_entry = t->pte ? t->pte : t->pde;
	struct fault f;
	bool ok;

	if (t->pte)
		*t->pde = (*t->pde & PT_ADDR_MASK) | dir | PT_PRESENT;
	*leaf_entry = t->pa | leaf | (t->pte ? 0 : PT_PAGE_SIZE);
	invlpg((void *)TEST_VA);
	do_access(a, user, &f);
	if (want < 0) {
		ok = f.vector == EXC_NONE && (*leaf_entry & PT_ACCESSED) &&
		     (a != WRITE || (*leaf_entry & PT_DIRTY)) &&
		     (!t->pte || (*t->pde & PT_ACCESSED));
	} else {
		ok = f.vector == PF_VECTOR && f.error_code == (u32)want &&
		     f.cr2 == TEST_VA + (a == FETCH ? 0 : DATA_OFFSET);
	}
	if (ok) {
		tally->right++;
		return;
	}
	if (tally->wrong++ < 3)
		report_info("leaf %#llx dir %#llx %s %s: want %s %#x, got vector %d code %#x "
			    "(leaf now %#llx)", (unsigned long long)leaf, (unsigned long long)dir,
			    user ? "user" : "kernel", access_names[a], want < 0 ? "no #PF" : "#PF",
			    want < 0 ? 0 : want, f.vector, f.error_code,
			    (unsigned long long)*leaf_entry);
}

/* Every leaf and directory flag combination for one access under one set of controls. */
static void check_matrix(const struct target *t, enum access a, bool user,
			 const struct controls *c)
{
	struct tally tally = { 0, 0 };
	pteval_t leaf_bits[] = { PT_PRESENT, PT_WRITABLE, PT_USER, PT_NX };
	pteval_t dir_bits[] = { PT_WRITABLE, PT_USER, PT_NX };
	int li, di, b, dirs = t->pte ? 1 << ARRAY_SIZE(dir_bits) : 1;

	for (li = 0; li < 1 << ARRAY_SIZE(leaf_bits); li++) {
		for (di = 0; di < dirs; di++) {
			pteval_t leaf = 0, dir = 0;

			for (b = 0; b < ARRAY_SIZE(leaf_bits); b++)
				leaf |= li & (1 << b) ? leaf_bits[b] : 0;
			for (b = 0; b < ARRAY_SIZE(dir_bits); b++)
				dir |= di & (1 << b) ? dir_bits[b] : 0;
			try_one(t, leaf, dir, a, user, c, &tally);
		}
	}
	report(!tally.wrong, "WP=%d SMEP=%d SMAP=%d: %s %s: %d flag combinations, %d wrong",
	       c->wp, c->smep, c->smap, user ? "user" : "kernel", access_names[a],
	       tally.right + tally.wrong, tally.wrong);
}

/*
 * A reserved bit in the leaf: #PF with RSVD, W and I/D as for the access, and P set (the
 * entry is present: SDM 4.7), for a read, a write and a fetch.
 */
static void check_reserved(const struct target *t, u64 reserved)
{
	pteval_t *leaf_entry = t->pte ? t->pte : t->pde;
	pteval_t good = LEAF_FLAGS & ~PT_NX;
	struct fault f;
	enum access a;
	int rsvd = 0, present = 0;

	for (a = READ; a < NR_ACCESSES; a++) {
		*leaf_entry = t->pa | good | reserved | (t->pte ? 0 : PT_PAGE_SIZE);
		invlpg((void *)TEST_VA);
		do_access(a, false, &f);
		rsvd += f.vector == PF_VECTOR && f.cr2 == TEST_VA + (a == FETCH ? 0 : DATA_OFFSET) &&
			(f.error_code & ~PFERR_PRESENT) == (PFERR_RSVD |
							    (a == WRITE ? PFERR_WRITE : 0) |
							    (a == FETCH ? PFERR_FETCH : 0));
		present += f.vector == PF_VECTOR && (f.error_code & PFERR_PRESENT);
	}
	*leaf_entry = t->pa | good | (t->pte ? 0 : PT_PAGE_SIZE);
	invlpg((void *)TEST_VA);
	report(rsvd == NR_ACCESSES, "reserved bit %#llx in the %s: #PF with RSVD for read, write "
	       "and fetch (%d of 3)", (unsigned long long)reserved, t->pte ? "PTE" : "2 MiB PDE",
	       rsvd);
	report_kfail(accel_is("tcg"), "tcg-rsvd-no-p: QEMU 7.2 clears P in a reserved-bit #PF",
		     present == NR_ACCESSES, "reserved bit %#llx: the error code has P set (%d of 3)",
		     (unsigned long long)reserved, present);
}

static void check_all(const struct target *t, u64 reserved)
{
	bool has_smep = cpu_has(X86_FEATURE_SMEP), has_smap = cpu_has(X86_FEATURE_SMAP);
	struct controls c;
	int i;
	enum access a;

	for (i = 0; i < 8; i++) {
		c = (struct controls){ i & 1, !!(i & 2), !!(i & 4) };
		if ((c.smep && !has_smep) || (c.smap && !has_smap))
			continue;
		set_controls(&c);
		for (a = READ; a < NR_ACCESSES; a++) {
			if (fep && a == FETCH) /* the prefix emulates data accesses only */
				continue;
			check_matrix(t, a, false, &c);
			check_matrix(t, a, true, &c);
		}
		set_controls(&(struct controls){ true, false, false });
	}
	if (fep)
		return;
	if (reserved)
		check_reserved(t, reserved);
	check_reserved(t, 1ULL << 51);
	if (!t->pte)
		check_reserved(t, 1ULL << 13); /* bits 20:13 of a 2 MiB PDE (SDM table 4-18) */
}

/* The lowest physical-address bit above MAXPHYADDR, or 0 if MAXPHYADDR is 52. */
static u64 reserved_address_bit(void)
{
	unsigned int maxphys = cpuid_max_ext_leaf() >= 0x80000008 ? cpuid(0x80000008).a & 0xff : 36;

	return maxphys < 52 ? 1ULL << maxphys : 0;
}

static void check_access(bool large, bool use_fep)
{
	u8 *frame = alloc_pages(large ? 9 : 0); /* 2 MiB pages need a 2 MiB-aligned frame */
	int level;
	struct target t = { vm_walk((void *)TEST_VA, &level), NULL, (phys_addr_t)frame };
	u64 reserved = reserved_address_bit();

	if (!vm_require_paging())
		return;
	assert(frame && level == 2);
	fep = use_fep;
	if (fep && !forced_emulation_available()) {
		report_skip("access_fep: the forced-emulation prefix raises #UD: the hypervisor does "
			    "not offer it (KVM: kvm.force_emulation_prefix=1)");
		return;
	}
	if (!cpu_has(X86_FEATURE_NX)) {
		report_skip("access: needs %s (XD in the matrix)", feature_str(X86_FEATURE_NX));
		return;
	}
	if (!cpu_has(X86_FEATURE_SMEP) || !cpu_has(X86_FEATURE_SMAP))
		report_info("SMEP %s, SMAP %s: those controls stay clear",
			    cpu_has(X86_FEATURE_SMEP) ? "present" : "absent",
			    cpu_has(X86_FEATURE_SMAP) ? "present" : "absent");
	frame[0] = 0xc3; /* ret */
	if (!large) {
		t.pte = alloc_page();
		memset(t.pte, 0, PAGE_SIZE);
		t.pte = &t.pte[(TEST_VA >> PAGE_SHIFT) & 511];
		*t.pde = ((phys_addr_t)t.pte & PT_ADDR_MASK) | PT_PRESENT;
	}
	report_prefix_push(large ? "2M" : fep ? "4K forced emulation" : "4K");
	check_all(&t, reserved);
	report_prefix_pop();
	*t.pde = 0;
	invlpg((void *)TEST_VA);
}

static void test_small(int argc, char **argv)
{
	check_access(false, false);
}

static void test_large(int argc, char **argv)
{
	check_access(true, false);
}

static void test_fep(int argc, char **argv)
{
	check_access(false, true);
}

static const struct subtest tests[] = {
	{ "small", test_small },
	{ "large", test_large },
	{ "fep", test_fep },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, "small", argc, argv);
}
