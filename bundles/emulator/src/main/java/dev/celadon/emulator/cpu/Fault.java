package dev.celadon.emulator.cpu;

/**
 * A guest exception raised while executing an instruction; the run loop catches it, rolls RIP back to the
 * faulting instruction and delivers the vector through the IDT. No stack trace: faults are ordinary guest
 * events (page faults above all), not errors of the emulator.
 */
final class Fault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8, TS = 10, NP = 11,
            SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19;

    final int vector;
    /** The error code, or -1 when the vector has none. */
    final int error;

    Fault(int vector, int error) {
        super(null, null, false, false);
        this.vector = vector;
        this.error = error;
    }

    static Fault gp(int error) {
        return new Fault(GP, error);
    }

    static Fault gp0() {
        return new Fault(GP, 0);
    }

    static Fault ud() {
        return new Fault(UD, -1);
    }

    static Fault de() {
        return new Fault(DE, -1);
    }

    static Fault ss(int error) {
        return new Fault(SS, error);
    }

    static Fault np(int error) {
        return new Fault(NP, error);
    }

    static Fault ts(int error) {
        return new Fault(TS, error);
    }

    static boolean hasErrorCode(int v) {
        return v == DF || v == TS || v == NP || v == SS || v == GP || v == PF || v == AC;
    }

    static String name(int v) {
        String[] n = {"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "09", "TS", "NP", "SS", "GP", "PF", "15",
                "MF", "AC", "MC", "XM"};
        return v < n.length ? "#" + n[v] : "vector " + v;
    }

    @Override
    public String getMessage() {
        return name(vector) + (error >= 0 ? "(" + Integer.toHexString(error) + ")" : "");
    }
}
