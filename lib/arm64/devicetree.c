/* Device-tree helpers over the distribution's libfdt (see devicetree.h). */
#include <libfdt.h>
#include <libcflat.h>
#include <arm64/devicetree.h>

static const void *fdt;

/* Move the tree QEMU handed over to @dest (it may overlap) and use it from there. */
int dt_init(const void *blob, void *dest, size_t *size)
{
	int ret = fdt_check_header(blob);

	if (ret)
		return ret;
	*size = fdt_totalsize(blob);
	ret = fdt_move(blob, dest, *size);
	if (ret)
		return ret;
	fdt = dest;
	return 0;
}

const void *dt_fdt(void)
{
	return fdt;
}

int dt_find_compatible_from(int after, const char *compatible)
{
	return fdt_node_offset_by_compatible(fdt, after, compatible);
}

int dt_find_compatible(const char *compatible)
{
	return dt_find_compatible_from(-1, compatible);
}

int dt_find_path(const char *path)
{
	return fdt_path_offset(fdt, path);
}

const void *dt_get_prop(int node, const char *name, int *len)
{
	return fdt_getprop(fdt, node, name, len);
}

u32 dt_cell(const void *prop, int idx)
{
	return fdt32_ld((const fdt32_t *)prop + idx);
}

u32 dt_get_u32(int node, const char *name, u32 def)
{
	int len;
	const void *p = dt_get_prop(node, name, &len);

	return p && len >= 4 ? dt_cell(p, 0) : def;
}

const char *dt_get_string(int node, const char *name)
{
	int len;
	const char *s = dt_get_prop(node, name, &len);

	return s && len > 0 && s[len - 1] == '\0' ? s : NULL;
}

bool dt_node_is_compatible(int node, const char *compatible)
{
	return fdt_node_check_compatible(fdt, node, compatible) == 0;
}

static u64 read_cells(const void *prop, int first, int n)
{
	u64 v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 32) | dt_cell(prop, first + i);
	return v;
}

int dt_get_reg(int node, int idx, u64 *addr, u64 *size)
{
	int parent = fdt_parent_offset(fdt, node);
	int ac, sc, len;
	const void *reg;

	if (parent < 0)
		return parent;
	ac = fdt_address_cells(fdt, parent);
	sc = fdt_size_cells(fdt, parent);
	if (ac < 0 || sc < 0)
		return ac < 0 ? ac : sc;
	reg = dt_get_prop(node, "reg", &len);
	if (!reg)
		return len;
	if ((idx + 1) * (ac + sc) * 4 > len)
		return -FDT_ERR_NOTFOUND;
	*addr = read_cells(reg, idx * (ac + sc), ac);
	if (size)
		*size = read_cells(reg, idx * (ac + sc) + ac, sc);
	return 0;
}

int dt_stdout_node(void)
{
	int chosen = dt_find_path("/chosen");
	const char *path, *colon;

	if (chosen < 0)
		return chosen;
	path = dt_get_string(chosen, "stdout-path");
	if (!path)
		return -FDT_ERR_NOTFOUND;
	/* "serial0:115200n8": options follow a colon */
	colon = strchr(path, ':');
	return fdt_path_offset_namelen(fdt, path, colon ? colon - path : (int)strlen(path));
}

int dt_first_subnode(int node)
{
	return fdt_first_subnode(fdt, node);
}

int dt_next_subnode(int node)
{
	return fdt_next_subnode(fdt, node);
}
