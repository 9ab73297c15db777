/* The micro-guests' tiny freestanding library. */
#ifndef CELADON_LIB_H
#define CELADON_LIB_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

#define COM1 0x3F8

/* struct hvm_start_info, version 1 (Xen's PVH boot ABI) */
struct hvm_start_info {
    u32 magic;
    u32 version;
    u32 flags;
    u32 nr_modules;
    u64 modlist_paddr;
    u64 cmdline_paddr;
    u64 rsdp_paddr;
    u64 memmap_paddr;
    u32 memmap_entries;
    u32 reserved;
};

struct hvm_memmap_entry {
    u64 addr;
    u64 size;
    u32 type;
    u32 reserved;
};

#define HVM_START_MAGIC 0x336ec578

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u32 mmio_read32(u64 a) { return *(volatile u32 *)a; }
static inline void mmio_write32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

void putc_serial(char c);
void puts_serial(const char *s);
void printf(const char *fmt, ...);
void print_lock(void);
void print_unlock(void);
int memcmp(const void *a, const void *b, u64 n);
void *memcpy(void *d, const void *s, u64 n);
void *memset(void *d, int c, u64 n);
int strncmp(const char *a, const char *b, u64 n);

/* The command line from start_info, "" without one. */
const char *cmdline_of(const struct hvm_start_info *si);

/* The number after key (e.g. "iters=") in cmdline, in base 10 or 16; dflt if the key is absent. */
u64 cmdline_number(const char *cmdline, const char *key, int base, u64 dflt);

/* Ends the guest: the FADT sleep control register (Celadon's ACPI S5), then QEMU's isa-debug-exit at 0xF4,
 * so one ELF ends cleanly under both; halts if neither is there. */
void __attribute__((noreturn)) poweroff(void);

/* Sum of RAM (type 1) in the memory map, and the end of the highest RAM region. */
u64 ram_total(const struct hvm_start_info *si, u64 *top_end);
#endif
