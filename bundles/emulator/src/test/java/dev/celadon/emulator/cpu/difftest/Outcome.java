package dev.celadon.emulator.cpu.difftest;

import java.util.List;

/**
 * How a case ended, natively or in the emulator: the general registers (encoding order), RFLAGS, RIP (the
 * end of the code, or the faulting instruction), the exception, and what changed in the data buffer.
 */
public record Outcome(Status status, int vector, int errorCode, long[] regs, long rflags, long rip, long cr2,
                      List<MemoryRun> memory, String note) {
    public enum Status {
        /** Ran off the end of the code. */
        COMPLETED,
        /** Raised the exception {@code vector} at {@code rip}. */
        EXCEPTION,
        /** Did not end (the oracle's alarm, or the emulator's instruction budget). */
        TIMEOUT,
        /** The emulator stopped for a reason of its own (an unimplemented instruction, an internal error). */
        UNSUPPORTED
    }

    public static final String[] VECTOR_NAMES = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "9",
            "#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM"};

    public static String vectorName(int v) {
        return v >= 0 && v < VECTOR_NAMES.length ? VECTOR_NAMES[v] : "vector " + v;
    }

    public String describeEnd() {
        return switch (status) {
            case COMPLETED -> "completed";
            case EXCEPTION -> vectorName(vector) + (vector == 14 ? String.format(" cr2=%#x", cr2) : "")
                    + String.format(" at rip=%#x", rip);
            case TIMEOUT -> "timeout";
            case UNSUPPORTED -> "unsupported: " + note;
        };
    }
}
