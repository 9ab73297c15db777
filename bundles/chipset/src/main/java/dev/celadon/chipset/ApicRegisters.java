package dev.celadon.chipset;

/**
 * The local APIC register map (SDM vol. 3 table 10-1 for the xAPIC page, table 10-6 for x2APIC): each register sits
 * at a 16-byte aligned MMIO offset, and in x2APIC mode at MSR 0x800 + offset / 16.
 */
public final class ApicRegisters {
    private ApicRegisters() {
    }

    public static final long DEFAULT_BASE = 0xFEE0_0000L;
    public static final int PAGE_SIZE = 0x1000;

    public static final int ID = 0x020;
    public static final int VERSION = 0x030;
    public static final int TPR = 0x080;
    public static final int APR = 0x090;
    public static final int PPR = 0x0A0;
    public static final int EOI = 0x0B0;
    public static final int RRD = 0x0C0;
    public static final int LDR = 0x0D0;
    public static final int DFR = 0x0E0;
    public static final int SVR = 0x0F0;
    /** ISR, TMR, IRR: eight 32-bit registers each, 16 bytes apart; bit n of register i is vector 32 * i + n. */
    public static final int ISR = 0x100;
    public static final int TMR = 0x180;
    public static final int IRR = 0x200;
    public static final int ESR = 0x280;
    public static final int LVT_CMCI = 0x2F0;
    public static final int ICR_LOW = 0x300;
    public static final int ICR_HIGH = 0x310;
    public static final int LVT_TIMER = 0x320;
    public static final int LVT_THERMAL = 0x330;
    public static final int LVT_PERF = 0x340;
    public static final int LVT_LINT0 = 0x350;
    public static final int LVT_LINT1 = 0x360;
    public static final int LVT_ERROR = 0x370;
    public static final int TIMER_INITIAL_COUNT = 0x380;
    public static final int TIMER_CURRENT_COUNT = 0x390;
    public static final int TIMER_DIVIDE = 0x3E0;
    /** x2APIC only: MSR 0x83F. */
    public static final int SELF_IPI = 0x3F0;

    public static final int MSR_APIC_BASE = 0x1B;
    public static final int MSR_TSC_DEADLINE = 0x6E0;
    public static final int MSR_X2APIC_FIRST = 0x800;
    public static final int MSR_X2APIC_LAST = 0x8FF;

    /** The x2APIC MSR of the register at MMIO {@code offset}. */
    public static int msr(int offset) {
        return MSR_X2APIC_FIRST + (offset >> 4);
    }

    /** Whether {@link LocalApic#readMsr}/{@link LocalApic#writeMsr} handle {@code msr}. */
    public static boolean isApicMsr(int msr) {
        return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE || msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST;
    }

    /** Version register: version 0x14 (integrated xAPIC), max LVT entry 5, bit 24 clear (no EOI-broadcast suppression). */
    public static final int VERSION_VALUE = 0x0005_0014;

    // IA32_APIC_BASE (SDM 10.4.4)
    public static final long BASE_BSP = 1L << 8;
    public static final long BASE_EXTD = 1L << 10;
    public static final long BASE_ENABLE = 1L << 11;
    /** Base address bits 51:12 (the architectural maximum; MAXPHYADDR is the CPU model's business). */
    public static final long BASE_ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;

    // SVR
    public static final int SVR_ENABLE = 1 << 8;
    /** Vector bits plus enable plus focus-check disable (bit 9, stored, no effect). */
    static final int SVR_WRITABLE = 0x3FF;

    // LVT (SDM figure 10-8)
    public static final int LVT_MASKED = 1 << 16;
    public static final int LVT_DELIVERY_STATUS = 1 << 12;
    public static final int LVT_LEVEL = 1 << 15;
    public static final int LVT_REMOTE_IRR = 1 << 14;
    public static final int TIMER_ONE_SHOT = 0b00 << 17;
    public static final int TIMER_PERIODIC = 0b01 << 17;
    public static final int TIMER_TSC_DEADLINE = 0b10 << 17;
    static final int TIMER_MODE_MASK = 0b11 << 17;
    static final int LVT_TIMER_WRITABLE = 0xFF | LVT_MASKED | TIMER_MODE_MASK;
    static final int LVT_LINT_WRITABLE = 0x7FF | 1 << 13 | LVT_LEVEL | LVT_MASKED;
    static final int LVT_DM_WRITABLE = 0x7FF | LVT_MASKED; // thermal, perf
    static final int LVT_ERROR_WRITABLE = 0xFF | LVT_MASKED;

    // ESR bits (SDM figure 10-9)
    public static final int ESR_SEND_ILLEGAL_VECTOR = 1 << 5;
    public static final int ESR_RECEIVE_ILLEGAL_VECTOR = 1 << 6;
    public static final int ESR_ILLEGAL_REGISTER = 1 << 7;

    // ICR (SDM figure 10-12, 10-28)
    public static final int ICR_VECTOR = 0xFF;
    public static final int ICR_LOGICAL = 1 << 11;
    public static final int ICR_DELIVERY_STATUS = 1 << 12;
    public static final int ICR_ASSERT = 1 << 14;
    public static final int ICR_LEVEL = 1 << 15;
    public static final int ICR_SHORTHAND_SHIFT = 18;
    /** Vector, delivery mode, destination mode, level, trigger, shorthand: what an ICR low write keeps. */
    static final int ICR_LOW_WRITABLE = 0xFFF | ICR_ASSERT | ICR_LEVEL | 3 << ICR_SHORTHAND_SHIFT;

    // DFR models
    public static final int DFR_FLAT = 0xF;
    public static final int DFR_CLUSTER = 0x0;
}
