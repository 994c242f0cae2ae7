/* Readable SCHIB and IRB dumps for failure messages. */
#include <libcflat.h>
#include <s390x/css.h>

static void dump_scsw(const struct scsw *s)
{
	printf("    scsw: ctrl %08x (fc %x ac %03x sc %02x) ccw %08x dev_stat %02x sch_stat %02x count %u\n",
	       s->ctrl, (s->ctrl & SCSW_FC_MASK) >> 12, s->ctrl & SCSW_AC_MASK,
	       s->ctrl & SCSW_SC_MASK, s->ccw_addr, s->dev_stat, s->sch_stat, s->count);
}

void css_dump_schib(const char *what, const struct schib *schib)
{
	const struct pmcw *p = &schib->pmcw;

	printf("INFO: schib %s\n", what);
	printf("    pmcw: intparm %08x flags %04x (isc %d%s%s mme %d) devno %04x\n",
	       p->intparm, p->flags, (p->flags & PMCW_ISC_MASK) >> PMCW_ISC_SHIFT,
	       p->flags & PMCW_ENABLED ? " enabled" : "", p->flags & PMCW_DNV ? " dnv" : "",
	       (p->flags & PMCW_MME_MASK) >> 3, p->devno);
	printf("    pmcw: lpm %02x pnom %02x lpum %02x pim %02x mbi %04x pom %02x pam %02x chpid0 %02x\n",
	       p->lpm, p->pnom, p->lpum, p->pim, p->mbi, p->pom, p->pam, p->chpid[0]);
	dump_scsw(&schib->scsw);
	printf("    mba %016lx\n", schib->mba);
}

void css_dump_irb(const char *what, const struct irb *irb)
{
	printf("INFO: irb %s\n", what);
	dump_scsw(&irb->scsw);
	printf("    esw: %08x %08x %08x %08x %08x\n",
	       irb->esw[0], irb->esw[1], irb->esw[2], irb->esw[3], irb->esw[4]);
}
