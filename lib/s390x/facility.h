/*
 * Installed facilities, from STORE FACILITY LIST EXTENDED (PoP ch. 4 "Facility
 * Indications"): bit n of the list is facility n.
 */
#ifndef S390X_FACILITY_H
#define S390X_FACILITY_H

#include <libcflat.h>

#define FACILITY_LIST_DWORDS 4	/* facilities 0-255 */

/* Facility numbers the tests name (PoP "Facility Indications" table). */
#define FAC_ESAN3		0
#define FAC_ZARCH		2
#define FAC_DAT_ENHANCEMENT	3
#define FAC_STFLE		7
#define FAC_EDAT1		8
#define FAC_SENSE_RUNNING	9
#define FAC_CONDITIONAL_SSKE	10
#define FAC_EXTENDED_IMMEDIATE	21
#define FAC_EXECUTE_EXTENSIONS	35
#define FAC_STCKF		25
#define FAC_GENERAL_INSN_EXT	34
#define FAC_STHYI		74
#define FAC_EDAT2		78
#define FAC_VECTOR		129
#define FAC_IEP			130
#define FAC_GUARDED_STORAGE	133
#define FAC_VECTOR_ENH1		135
#define FAC_VECTOR_ENH2		148
#define FAC_UV_CALL		158

/* The facility list as STFLE stores it (fetched once, at the first call). */
const u64 *facility_list(void);
bool test_facility(int nr);
/* STFLE itself: condition code, and in @needed the doublewords the list has. */
int stfle(u64 *list, int dwords, int *needed);

#endif
