/* The Hyper-V interface from a micro-guest's side: synthetic MSR numbers, CPUID, RDMSR/WRMSR and a call
 * through the hypercall page (TLFS x64 calling convention). Header-only, for the guests that use it. */
#ifndef CELADON_HV_H
#define CELADON_HV_H
#include "lib.h"

#define HV_MSR_GUEST_OS_ID 0x40000000
#define HV_MSR_HYPERCALL 0x40000001
#define HV_MSR_VP_INDEX 0x40000002

/* Hypercall codes and the fast bit (bit 16 of the control word: inputs in registers). */
#define HVCALL_POST_MESSAGE 0x5C
#define HVCALL_SIGNAL_EVENT 0x5D
#define HV_HYPERCALL_FAST (1UL << 16)

/* TLFS status codes (the low 16 bits of RAX after a call). */
#define HV_STATUS_SUCCESS 0x0
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x2
#define HV_STATUS_INVALID_CONNECTION_ID 0x12

/* Linux 6.1's guest OS ID layout: open source, type 1 (Linux), 6.1.176. */
#define HV_LINUX_GUEST_OS_ID 0x8100000601B00000UL

static inline void hv_cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline u64 hv_rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
    return ((u64)hi << 32) | lo;
}

/* WRMSR with no #GP handling: only for writes the guest knows the host accepts. */
static inline void hv_wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* 1 if CPUID 0x40000000 names "Microsoft Hv". */
static inline int hv_present(void)
{
    u32 a, b, c, d;
    hv_cpuid(1, &a, &b, &c, &d);
    if (!(c >> 31))
        return 0;
    hv_cpuid(0x40000000, &a, &b, &c, &d);
    return b == 0x7263694d && c == 0x666f736f && d == 0x76482074; /* "Micr" "osof" "t Hv" */
}

/* A call through the hypercall page at *page (TLFS x64: RCX control, RDX input, R8 output; RAX result). The
 * page pointer is read from memory so the call is indirect, as Linux's hv_do_hypercall makes it. */
static inline u64 hv_call(void *const volatile *page, u64 control, u64 in, u64 out)
{
    u64 status;
    register u64 r8 __asm__("r8") = out;
    __asm__ volatile("call *%[page]"
                     : "=a"(status), "+c"(control), "+d"(in), "+r"(r8)
                     : [page] "m"(*page)
                     : "r9", "r10", "r11", "memory");
    return status;
}
#endif
