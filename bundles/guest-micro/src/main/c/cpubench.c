/*
 * The cpubench micro-guest: a CPU-bound workload of our own (cpubench_work.c), iters=N times, then the
 * checksum and poweroff. The same workload runs natively as cpubench_host.c, the benchmark's native peer;
 * both must print the same checksum. The TSC is read around the workload only for information: under QEMU
 * with -icount shift=0 its delta is the number of instructions the guest executed.
 */
#include "lib.h"
#include "cpubench.h"

void main(const struct hvm_start_info *si)
{
    u64 iters = cmdline_number(cmdline_of(si), "iters=", 10, 100);
    printf("CELADON-CPUBENCH iters=%lu\n", iters);
    u64 t0 = rdtsc();
    u64 sum = cpubench_run(iters);
    u64 t1 = rdtsc();
    printf("CELADON-CPUBENCH checksum=0x%lx\n", sum);
    printf("CELADON-CPUBENCH tsc_delta=%lu\n", t1 - t0);
    printf("CELADON-CPUBENCH done\n");
    poweroff();
}
