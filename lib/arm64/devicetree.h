/*
 * Device-tree access for tests and drivers. The tree QEMU passed in x0 is parsed with
 * the distribution's libfdt; only lib/arm64/devicetree.c includes <libfdt.h>, these
 * helpers speak in node offsets (ints, < 0 when not found) and plain integers.
 */
#ifndef ARM64_DEVICETREE_H
#define ARM64_DEVICETREE_H

#include <libcflat.h>

const void *dt_fdt(void);                       /* the flattened tree (a copy in guest RAM) */
int dt_find_compatible(const char *compatible); /* first node with it, or < 0 */
int dt_find_compatible_from(int after, const char *compatible); /* next one after node @after */
int dt_find_path(const char *path);             /* e.g. "/psci"; aliases resolve */
/* The @idx-th (address, size) pair of @node's "reg", in the parent's cell sizes. 0 or < 0. */
int dt_get_reg(int node, int idx, u64 *addr, u64 *size);
/* Raw property: its bytes and length, or NULL. Cells are big-endian: use dt_cell(). */
const void *dt_get_prop(int node, const char *name, int *len);
u32 dt_cell(const void *prop, int idx);
/* A u32 property; @def when absent. */
u32 dt_get_u32(int node, const char *name, u32 def);
/* A string property, or NULL. */
const char *dt_get_string(int node, const char *name);
bool dt_node_is_compatible(int node, const char *compatible);
/* Children of @node: for (n = dt_first_subnode(p); n >= 0; n = dt_next_subnode(n)) */
int dt_first_subnode(int node);
int dt_next_subnode(int node);
/* The node /chosen/stdout-path points at, or < 0. */
int dt_stdout_node(void);

#endif
