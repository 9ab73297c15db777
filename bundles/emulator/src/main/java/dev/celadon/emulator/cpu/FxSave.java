package dev.celadon.emulator.cpu;

/**
 * FXSAVE/FXRSTOR (and the 64-bit forms with REX.W), LDMXCSR/STMXCSR, and the CR0/CR4 checks every x87 and SSE
 * instruction makes. The 512-byte image (SDM vol. 1 §10.5.1, table 10-2/10-3), offsets in bytes:
 * <pre>
 *   0 FCW  2 FSW  4 abridged FTW  6 FOP  8 FIP[31:0] 12 FCS (64-bit form: 8 FIP[63:0])
 *  16 FDP[31:0]  20 FDS (64-bit form: 16 FDP[63:0])  24 MXCSR  28 MXCSR_MASK
 *  32 + 16i  ST(i) (10 bytes, 6 reserved)   160 + 16n  XMMn (n < 8 outside 64-bit mode)   416-511 untouched
 * </pre>
 */
final class FxSave {
    private FxSave() {
    }

    static final int FCW = 0, FSW = 2, FTW = 4, FOP = 6, FIP = 8, FCS = 12, FDP = 16, FDS = 20, MXCSR = 24,
            MXCSR_MASK = 28, ST0 = 32, XMM0 = 160, SIZE = 512;

    /** x87 instructions: #NM while CR0.EM or CR0.TS is set (the OS's lazy-FPU trap). */
    static void checkX87(Cpu c) {
        if ((c.cr0 & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0) {
            throw new Fault(Fault.NM, -1);
        }
    }

    /** SSE instructions: #UD with CR0.EM set or CR4.OSFXSR clear (the OS has not enabled them), #NM with CR0.TS. */
    static void checkSse(Cpu c) {
        if ((c.cr0 & Cpu.CR0_EM) != 0 || (c.cr4 & Cpu.CR4_OSFXSR) == 0) {
            throw Fault.ud();
        }
        if ((c.cr0 & Cpu.CR0_TS) != 0) {
            throw new Fault(Fault.NM, -1);
        }
    }

    /** WAIT/FWAIT: #NM only when both CR0.MP and CR0.TS are set. */
    static void fwait(Cpu c, Insn in) {
        if ((c.cr0 & (Cpu.CR0_MP | Cpu.CR0_TS)) == (Cpu.CR0_MP | Cpu.CR0_TS)) {
            throw new Fault(Fault.NM, -1);
        }
    }

    /** The area's linear address: 16-byte aligned (#GP otherwise), both ends translated before anything is done. */
    private static long area(Cpu c, Insn in, int kind) {
        long la = c.addr(in);
        if ((la & 15) != 0) {
            throw Fault.gp0();
        }
        c.translate(la, kind, c.tlbUser != 0);
        c.translate(la + SIZE - 1, kind, c.tlbUser != 0);
        return la;
    }

    static void fxsave(Cpu c, Insn in) {
        checkX87(c);
        long la = area(c, in, Cpu.WRITE);
        Fpu f = c.fpu;
        c.wr(la + FCW, 2, f.fcw);
        c.wr(la + FSW, 2, f.statusWord());
        c.wr(la + FTW, 2, f.abridgedTag()); // byte 5 reserved, written 0
        c.wr(la + FOP, 2, f.fop);
        if (in.size == 8 && c.mode == 8) {
            c.wr(la + FIP, 8, f.fip);
            c.wr(la + FDP, 8, f.fdp);
        } else {
            c.wr(la + FIP, 4, f.fip);
            c.wr(la + FCS, 4, f.fcs);
            c.wr(la + FDP, 4, f.fdp);
            c.wr(la + FDS, 4, f.fds);
        }
        c.wr(la + MXCSR, 4, f.mxcsr);
        c.wr(la + MXCSR_MASK, 4, Fpu.MXCSR_MASK);
        for (int i = 0; i < 8; i++) {
            int p = (f.top + i) & 7;
            c.wr(la + ST0 + 16 * i, 8, f.mant[p]);
            c.wr(la + ST0 + 16 * i + 8, 8, f.se[p] & 0xFFFF);
        }
        int n = c.mode == 8 ? 16 : 8;
        for (int i = 0; i < n; i++) {
            c.wr(la + XMM0 + 16 * i, 8, f.xmm[2 * i]);
            c.wr(la + XMM0 + 16 * i + 8, 8, f.xmm[2 * i + 1]);
        }
    }

    static void fxrstor(Cpu c, Insn in) {
        checkX87(c);
        long la = area(c, in, Cpu.READ);
        int mx = (int) c.rd(la + MXCSR, 4);
        if ((mx & ~Fpu.MXCSR_MASK) != 0) {
            throw Fault.gp0();
        }
        Fpu f = c.fpu;
        f.fcw = (int) c.rd(la + FCW, 2);
        f.setStatusWord((int) c.rd(la + FSW, 2));
        int ftw = (int) c.rd(la + FTW, 1);
        f.fop = (int) c.rd(la + FOP, 2) & 0x7FF;
        if (in.size == 8 && c.mode == 8) {
            f.fip = c.rd(la + FIP, 8);
            f.fdp = c.rd(la + FDP, 8);
            f.fcs = f.fds = 0;
        } else {
            f.fip = c.rd(la + FIP, 4);
            f.fcs = (int) c.rd(la + FCS, 2);
            f.fdp = c.rd(la + FDP, 4);
            f.fds = (int) c.rd(la + FDS, 2);
        }
        f.mxcsr = mx;
        for (int i = 0; i < 8; i++) {
            int p = (f.top + i) & 7;
            f.mant[p] = c.rd(la + ST0 + 16 * i, 8);
            f.se[p] = (int) c.rd(la + ST0 + 16 * i + 8, 2);
        }
        f.setAbridgedTag(ftw);
        int n = c.mode == 8 ? 16 : 8;
        for (int i = 0; i < n; i++) {
            f.xmm[2 * i] = c.rd(la + XMM0 + 16 * i, 8);
            f.xmm[2 * i + 1] = c.rd(la + XMM0 + 16 * i + 8, 8);
        }
    }

    static void ldmxcsr(Cpu c, Insn in) {
        checkSse(c);
        int v = (int) c.rd(c.addr(in), 4);
        if ((v & ~Fpu.MXCSR_MASK) != 0) {
            throw Fault.gp0();
        }
        c.fpu.mxcsr = v;
    }

    static void stmxcsr(Cpu c, Insn in) {
        checkSse(c);
        c.wr(c.addr(in), 4, c.fpu.mxcsr);
    }
}
