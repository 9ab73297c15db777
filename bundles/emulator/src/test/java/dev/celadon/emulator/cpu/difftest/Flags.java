package dev.celadon.emulator.cpu.difftest;

/** RFLAGS bits a user-mode case can set and observe. */
public final class Flags {
    public static final int CF = 1;
    public static final int PF = 1 << 2;
    public static final int AF = 1 << 4;
    public static final int ZF = 1 << 6;
    public static final int SF = 1 << 7;
    public static final int DF = 1 << 10;
    public static final int OF = 1 << 11;
    /** The arithmetic flags. */
    public static final int ARITH = CF | PF | AF | ZF | SF | OF;
    /** Everything a case sets on entry and compares at the end (when defined). */
    public static final int USER = ARITH | DF;

    private Flags() {
    }

    public static String describe(long f) {
        StringBuilder s = new StringBuilder();
        s.append((f & OF) != 0 ? "O" : "-").append((f & DF) != 0 ? "D" : "-").append((f & SF) != 0 ? "S" : "-")
                .append((f & ZF) != 0 ? "Z" : "-").append((f & AF) != 0 ? "A" : "-").append((f & PF) != 0 ? "P" : "-")
                .append((f & CF) != 0 ? "C" : "-");
        return s.toString();
    }
}
