/* Console on QEMU virt's PL011 (Arm PrimeCell UART PL011 TRM: UARTDR 0x000, UARTFR 0x018). */
#include <libcflat.h>
#include <arm64/io.h>
#include <arm64/devicetree.h>

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_TXFF BIT(5)
#define UARTFR_RXFE BIT(4)

/* QEMU virt's UART, used until the device tree says otherwise */
static u8 *uart_base = (u8 *)0x09000000UL;

void uart_init_from_dt(void)
{
	int node = dt_stdout_node();
	u64 addr;

	if (node < 0 || !dt_node_is_compatible(node, "arm,pl011"))
		node = dt_find_compatible("arm,pl011");
	if (node >= 0 && dt_get_reg(node, 0, &addr, NULL) == 0)
		uart_base = ioremap(addr, PAGE_SIZE);
}

void arch_puts(const char *s)
{
	for (; *s; s++) {
		while (readl(uart_base + UARTFR) & UARTFR_TXFF)
			;
		writel(*s, uart_base + UARTDR);
	}
}

/* Console input: one byte from the receive FIFO unless it is empty. */
int arch_getchar(void)
{
	if (readl(uart_base + UARTFR) & UARTFR_RXFE)
		return -1;
	return readl(uart_base + UARTDR) & 0xff;
}
