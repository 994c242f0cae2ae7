/*
 * Storage keys (PoP ch. 3 "Storage Key" and "Key-Controlled Protection"): one per 4 KiB
 * block of real storage, bits 0-3 access-control (ACC), bit 4 fetch protection (F),
 * 5 reference (R), 6 change (C).
 */
#ifndef S390X_SKEY_H
#define S390X_SKEY_H

#include <libcflat.h>

#define SKEY_ACC(key)	((key) << 4)
#define SKEY_FP		0x08
#define SKEY_R		0x04
#define SKEY_C		0x02

static inline u8 iske(void *addr)
{
	u64 key = 0;

	asm volatile("iske %[key],%[addr]" : [key] "+d"(key) : [addr] "a"(addr));
	return key;
}

static inline void sske(void *addr, u8 key)
{
	asm volatile("sske %[key],%[addr]" : : [key] "d"((u64)key), [addr] "a"(addr) : "memory");
}

/* INSERT VIRTUAL STORAGE KEY: the key's ACC and F bits, for a logical address. */
static inline u8 ivsk(void *addr)
{
	u64 key = 0;

	asm volatile("ivsk %[key],%[addr]" : [key] "+d"(key) : [addr] "a"(addr));
	return key;
}

/* The access key in PSW bits 8-11 (SET PSW KEY FROM ADDRESS). */
static inline void spka(u8 key)
{
	asm volatile("spka 0(%0)" : : "a"((u64)key << 4) : "memory");
}

#endif
