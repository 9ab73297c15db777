/* The native peer of the cpubench guest: the same workload as a Linux program, the same output lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpubench.h"

int main(int argc, char **argv)
{
    unsigned long long iters = 100;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "iters=", 6)) {
            iters = strtoull(argv[i] + 6, NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [iters=N]\n", argv[0]);
            return 2;
        }
    }
    printf("CELADON-CPUBENCH iters=%llu\n", iters);
    printf("CELADON-CPUBENCH checksum=0x%llx\n", (unsigned long long)cpubench_run(iters));
    printf("CELADON-CPUBENCH done\n");
    return 0;
}
