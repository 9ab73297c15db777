package dev.celadon.enlightenment.stimer.internal;

import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;

/**
 * HV_X64_MSR_STIMERx_CONFIG (TLFS "Synthetic Timer Configuration Register"; Linux's union hv_stimer_config):
 * bit 0 enable, 1 periodic, 2 lazy, 3 auto-enable, 11:4 APIC vector (direct mode), 12 direct mode, 15:13
 * reserved, 19:16 SINTx (message mode), 63:20 reserved.
 */
record StimerConfig(long raw) {

    static final long ENABLE = 1, PERIODIC = 1 << 1, LAZY = 1 << 2, AUTO_ENABLE = 1 << 3, DIRECT = 1 << 12;
    static final long RESERVED = 0x7L << 13 | ~0xFFFFFL;

    static final StimerConfig DISABLED = new StimerConfig(0);

    /** Decodes a guest write: #GP for reserved bits and for a direct-mode vector below 16 (not a usable vector). */
    static StimerConfig decode(long value) {
        if ((value & RESERVED) != 0) {
            throw new GeneralProtectionFault(String.format("wrmsr STIMER_CONFIG <- 0x%x: reserved bits", value));
        }
        StimerConfig c = new StimerConfig(value);
        if (c.enabled() && c.direct() && c.vector() < 16) {
            throw new GeneralProtectionFault(String.format("wrmsr STIMER_CONFIG <- 0x%x: vector %d", value, c.vector()));
        }
        return c;
    }

    boolean enabled() {
        return (raw & ENABLE) != 0;
    }

    boolean periodic() {
        return (raw & PERIODIC) != 0;
    }

    boolean autoEnable() {
        return (raw & AUTO_ENABLE) != 0;
    }

    boolean direct() {
        return (raw & DIRECT) != 0;
    }

    int vector() {
        return (int) (raw >>> 4) & 0xFF;
    }

    int sint() {
        return (int) (raw >>> 16) & 0xF;
    }

    StimerConfig withEnable(boolean on) {
        return new StimerConfig(on ? raw | ENABLE : raw & ~ENABLE);
    }
}
