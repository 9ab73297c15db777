package dev.celadon.kvm.internal;

/** KVM's ioctl numbers and constants (linux/kvm.h, x86-64), encoded as _IO/_IOR/_IOW/_IOWR do. */
final class KvmIoctl {

    private KvmIoctl() {
    }

    private static final int KVMIO = 0xAE;

    private static long io(int nr) {
        return (KVMIO << 8) | nr;
    }

    private static long iow(int nr, int size) {
        return (1L << 30) | ((long) size << 16) | (KVMIO << 8) | nr;
    }

    private static long ior(int nr, int size) {
        return (2L << 30) | ((long) size << 16) | (KVMIO << 8) | nr;
    }

    private static long iowr(int nr, int size) {
        return (3L << 30) | ((long) size << 16) | (KVMIO << 8) | nr;
    }

    // system
    static final long GET_API_VERSION = io(0x00);
    static final long CREATE_VM = io(0x01);
    static final long CHECK_EXTENSION = io(0x03);
    static final long GET_VCPU_MMAP_SIZE = io(0x04);
    static final long GET_SUPPORTED_CPUID = iowr(0x05, 8);
    // VM
    static final long CREATE_VCPU = io(0x41);
    static final long SET_USER_MEMORY_REGION = iow(0x46, 32);
    static final long SET_TSS_ADDR = io(0x47);
    static final long SET_IDENTITY_MAP_ADDR = iow(0x48, 8);
    static final long CREATE_IRQCHIP = io(0x60);
    static final long IRQ_LINE = iow(0x61, 8);
    static final long SET_GSI_ROUTING = iow(0x6A, 8);
    static final long CREATE_PIT2 = iow(0x77, 64);
    static final long ENABLE_CAP = iow(0xA3, 104);
    static final long SIGNAL_MSI = iow(0xA5, 32);
    static final long X86_SET_MSR_FILTER = iow(0xC6, 392);
    // vCPU
    static final long RUN = io(0x80);
    static final long GET_REGS = ior(0x81, 144);
    static final long SET_REGS = iow(0x82, 144);
    static final long GET_SREGS = ior(0x83, 312);
    static final long SET_SREGS = iow(0x84, 312);
    static final long SET_SIGNAL_MASK = iow(0x8B, 4);
    static final long SET_CPUID2 = iow(0x90, 8);
    static final long GET_TSC_KHZ = io(0xA3);

    // capabilities
    static final int CAP_NR_VCPUS = 9;
    static final int CAP_MAX_VCPUS = 66;
    static final int CAP_X86_USER_SPACE_MSR = 188;
    static final int CAP_X86_MSR_FILTER = 189;
    static final int CAP_EXIT_ON_EMULATION_FAILURE = 204;

    static final int MSR_EXIT_REASON_UNKNOWN = 1 << 1;
    static final int MSR_EXIT_REASON_FILTER = 1 << 2;

    // exit reasons
    static final int EXIT_UNKNOWN = 0;
    static final int EXIT_EXCEPTION = 1;
    static final int EXIT_IO = 2;
    static final int EXIT_HLT = 5;
    static final int EXIT_MMIO = 6;
    static final int EXIT_SHUTDOWN = 8;
    static final int EXIT_FAIL_ENTRY = 9;
    static final int EXIT_INTR = 10;
    static final int EXIT_INTERNAL_ERROR = 17;
    static final int EXIT_SYSTEM_EVENT = 24;
    static final int EXIT_X86_RDMSR = 29;
    static final int EXIT_X86_WRMSR = 30;

    static final int IRQ_ROUTING_IRQCHIP = 1;
    static final int IRQCHIP_PIC_MASTER = 0;
    static final int IRQCHIP_PIC_SLAVE = 1;
    static final int IRQCHIP_IOAPIC = 2;

    static final int CPUID_FLAG_SIGNIFICANT_INDEX = 1;
}
