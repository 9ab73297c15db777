/*
 * The cpubench workload, built twice from the same source: into the cpubench micro-guest and into a Linux
 * host program (cpubench_host.c), which must print the same checksum. It needs nothing from either side.
 */
#ifndef CELADON_CPUBENCH_H
#define CELADON_CPUBENCH_H
#include <stdint.h>

/* Runs the workload iters times over a fixed working set; the checksum depends on every step. */
uint64_t cpubench_run(uint64_t iters);
#endif
