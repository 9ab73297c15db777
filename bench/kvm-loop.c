/*
 * The "minimal C loop" peer of bench/run.sh: runs a PVH micro-guest on /dev/kvm with one vCPU and nothing
 * else: KVM_RUN and a switch on the exit reason. It is the floor against which Celadon's Java exit path and
 * QEMU's are measured.
 *
 * Usage: kvm-loop [--mem MiB] [--cmdline S] [--quiet] GUEST.elf
 * Prints to stderr: port_writes=<n> seconds=<s> exits_per_sec=<r>, timed from the first to the last write to
 * the bench port (the cmdline's port=0x..., default 0x510).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define START_INFO 0x6000
#define MEMMAP 0x6100
#define CMDLINE 0x6800

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    uint64_t mem = 64ULL << 20;
    const char *cmdline = "", *path = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mem") && i + 1 < argc)
            mem = strtoull(argv[++i], NULL, 10) << 20;
        else if (!strcmp(argv[i], "--cmdline") && i + 1 < argc)
            cmdline = argv[++i];
        else if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else
            path = argv[i];
    }
    if (!path || mem < (16 << 20) || mem > (3ULL << 30)) {
        fprintf(stderr, "usage: kvm-loop [--mem MiB (16-3072)] [--cmdline S] [--quiet] GUEST.elf\n");
        return 2;
    }
    unsigned bench_port = 0x510;
    const char *p = strstr(cmdline, "port=0x");
    if (p)
        bench_port = strtoul(p + 7, NULL, 16);

    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st))
        die(path);
    uint8_t *elf = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (elf == MAP_FAILED)
        die("mmap elf");
    Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
    if (st.st_size < (off_t)sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > (uint64_t)st.st_size) {
        fprintf(stderr, "%s: not an ELF64 file\n", path);
        return 2;
    }

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");
    uint8_t *ram = mmap(NULL, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        die("mmap ram");
    struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = mem,
                                                 .userspace_addr = (uint64_t)ram};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
        die("KVM_SET_USER_MEMORY_REGION");

    uint32_t entry = 0;
    Elf64_Phdr *ph = (Elf64_Phdr *)(elf + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_offset + ph[i].p_filesz > (uint64_t)st.st_size || ph[i].p_filesz > ph[i].p_memsz)
            goto bad;
        if (ph[i].p_type == PT_LOAD) {
            if (ph[i].p_paddr + ph[i].p_memsz > mem)
                goto bad;
            memcpy(ram + ph[i].p_paddr, elf + ph[i].p_offset, ph[i].p_filesz);
        } else if (ph[i].p_type == PT_NOTE) {
            for (uint64_t o = ph[i].p_offset; o + 12 <= ph[i].p_offset + ph[i].p_filesz;) {
                Elf64_Nhdr *n = (Elf64_Nhdr *)(elf + o);
                uint64_t name = o + 12, desc = name + ((n->n_namesz + 3) & ~3U);
                if (n->n_type == 18 && n->n_namesz == 4 && !memcmp(elf + name, "Xen", 4) && desc + 4 <= (uint64_t)st.st_size)
                    memcpy(&entry, elf + desc, 4);
                o = desc + ((n->n_descsz + 3) & ~3U);
            }
        }
    }
    if (!entry) {
    bad:
        fprintf(stderr, "%s: no PVH entry note, or a segment outside the image or RAM\n", path);
        return 2;
    }

    /* hvm_start_info v1, a one-entry memory map, the command line */
    uint32_t *si = (uint32_t *)(ram + START_INFO);
    si[0] = 0x336ec578;
    si[1] = 1;
    *(uint64_t *)(ram + START_INFO + 24) = CMDLINE;
    *(uint64_t *)(ram + START_INFO + 40) = MEMMAP;
    *(uint32_t *)(ram + START_INFO + 48) = 1;
    uint64_t *mm = (uint64_t *)(ram + MEMMAP);
    mm[0] = 0;
    mm[1] = mem;
    mm[2] = 1;
    strncpy((char *)ram + CMDLINE, cmdline, 1024);

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    /* The CPU model KVM supports (long mode among it); without it EFER.LME cannot be set. */
    struct {
        struct kvm_cpuid2 h;
        struct kvm_cpuid_entry2 e[256];
    } cpuid = {.h.nent = 256};
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) || ioctl(vcpu, KVM_SET_CPUID2, &cpuid))
        die("CPUID");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
        die("KVM_GET_SREGS");
    struct kvm_segment code = {.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb, .present = 1,
                               .db = 1, .s = 1, .g = 1};
    struct kvm_segment data = code;
    data.type = 3;
    data.selector = 0x18;
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.cr0 = 0x11;
    sregs.cr4 = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
        die("KVM_SET_SREGS");
    struct kvm_regs regs = {.rip = entry, .rbx = START_INFO, .rflags = 2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs))
        die("KVM_SET_REGS");

    uint64_t writes = 0;
    double first = 0, last = 0;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR)
                continue;
            die("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            uint8_t *d = (uint8_t *)run + run->io.data_offset;
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == bench_port) {
                double t = now();
                if (!writes++)
                    first = t;
                last = t;
            } else if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x3f8) {
                if (!quiet)
                    fwrite(d, 1, run->io.size * run->io.count, stdout);
            } else if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0xf4) {
                goto done;
            } else if (run->io.direction == KVM_EXIT_IO_IN) {
                memset(d, run->io.port == 0x3fd ? 0x60 : 0xff, run->io.size * run->io.count);
            }
            break;
        }
        case KVM_EXIT_HLT:
            goto done;
        case KVM_EXIT_SHUTDOWN:
            ioctl(vcpu, KVM_GET_REGS, &regs);
            fprintf(stderr, "guest triple fault at RIP 0x%llx\n", (unsigned long long)regs.rip);
            return 3;
        case KVM_EXIT_INTERNAL_ERROR:
            fprintf(stderr, "internal error: suberror %u, ndata %u\n", run->internal.suberror, run->internal.ndata);
            return 3;
        default:
            break; /* MMIO and the rest: ignored by this minimal loop */
        }
    }
done:
    fflush(stdout);
    double s = last - first;
    fprintf(stderr, "port_writes=%lu seconds=%.3f exits_per_sec=%.0f\n", (unsigned long)writes, s,
            s > 0 ? (writes - 1) / s : 0);
    return 0;
}
