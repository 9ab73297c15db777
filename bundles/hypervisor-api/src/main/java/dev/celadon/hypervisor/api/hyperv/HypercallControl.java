package dev.celadon.hypervisor.api.hyperv;

/**
 * The hypercall input value (RCX), decoded. TLFS layout: call code 15:0, fast 16, variable header size (in
 * 8-byte units) 26:17, reserved 30:27, nested 31, rep count 43:32, reserved 47:44, rep start index 59:48,
 * reserved 63:60.
 */
public record HypercallControl(long raw) {

    /** Bits that must be zero: 30:27, 47:44, 63:60. */
    public static final long RESERVED_MASK = 0xFL << 27 | 0xFL << 44 | 0xFL << 60;
    /** Bit 31: a call meant for an L0 hypervisor under a nested one; we are never nested. */
    public static final long NESTED = 1L << 31;
    public static final long FAST = 1L << 16;

    public int callCode() {
        return (int) raw & 0xFFFF;
    }

    public boolean fast() {
        return (raw & FAST) != 0;
    }

    public int variableHeaderQwords() {
        return (int) (raw >>> 17) & 0x3FF;
    }

    public boolean nested() {
        return (raw & NESTED) != 0;
    }

    public int repCount() {
        return (int) (raw >>> 32) & 0xFFF;
    }

    public int repStart() {
        return (int) (raw >>> 48) & 0xFFF;
    }

    public boolean reservedBitsSet() {
        return (raw & RESERVED_MASK) != 0;
    }

    /**
     * The status a simple (non-rep, no variable header) call with this control word must fail with before its
     * inputs are read, or {@link HvStatus#SUCCESS}: reserved bits, the nested bit, rep fields or a variable header
     * on a simple call, or a fast/slow form the call does not have, are HV_STATUS_INVALID_HYPERCALL_INPUT.
     */
    public int checkSimple(boolean fastAllowed, boolean slowAllowed) {
        if (reservedBitsSet() || nested() || repCount() != 0 || repStart() != 0 || variableHeaderQwords() != 0
                || (fast() ? !fastAllowed : !slowAllowed)) {
            return HvStatus.INVALID_HYPERCALL_INPUT;
        }
        return HvStatus.SUCCESS;
    }

    /** The RAX value of a completed call: status in 15:0, reps completed in 43:32. */
    public static long result(int status, int repsCompleted) {
        return (status & 0xFFFFL) | ((repsCompleted & 0xFFFL) << 32);
    }

    @Override
    public String toString() {
        return String.format("code 0x%x%s reps %d@%d varhdr %d (0x%016x)", callCode(), fast() ? " fast" : "",
                repCount(), repStart(), variableHeaderQwords(), raw);
    }
}
