/* Multiprocessor start-up shared by the guests that run on several processors (demo, smp). */
#ifndef CELADON_MP_H
#define CELADON_MP_H
#include "lib.h"

#define LAPIC 0xFEE00000UL
#define MP_MAX_CPUS 64 /* ap.S has stacks for 63 APs */

/* Enabled local APICs in the ACPI MADT (RSDP revision 2, XSDT), their IDs into ids; 0 if the tables are
 * missing or bad. */
int madt_cpus(u64 rsdp, u8 *ids, int max);

u32 lapic_id(void);
void send_ipi(u32 apic, u32 low);
void spin_cycles(u64 cycles);

/* Starts every other processor (INIT-SIPI-SIPI broadcast); each runs the guest's ap_main(), which must call
 * mp_ap_up() once it is up. Waits until ncpus processors (this one included) are up or 20e9 TSC ticks pass;
 * returns how many are up. */
int start_aps(int ncpus);

/* Called by an AP in ap_main(): counts it up and returns its index (1, 2, ... in order of arrival). */
int mp_ap_up(void);

/* Processors up so far, the BSP included. */
int mp_cpus_up(void);

/* Supplied by each guest that starts APs. */
void ap_main(void);
#endif
