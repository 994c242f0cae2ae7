/*
 * The guest runtime every test sees, one umbrella over the topic headers in lib/cflat/:
 * types and compiler macros, console, strings, reporting, exit and assertions, argv and
 * environment, allocators, atomics and spinlocks, and running code on other CPUs.
 * Tests include this; lib files may include just the topic they need.
 */
#ifndef LIBCFLAT_H
#define LIBCFLAT_H

#include <cflat/types.h>
#include <cflat/console.h>
#include <cflat/string.h>
#include <cflat/report.h>
#include <cflat/exit.h>
#include <cflat/argv.h>
#include <cflat/alloc.h>
#include <cflat/atomic.h>
#include <smp.h>

#endif
