package dev.celadon.emulator.cpu;

import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;

import static dev.celadon.emulator.cpu.Segment.CS;
import static dev.celadon.emulator.cpu.Segment.GS;
import static dev.celadon.emulator.cpu.Segment.SS;

/**
 * System instructions: port I/O, HLT, CLI/STI, control and debug registers, descriptor-table registers,
 * INVLPG, MSRs, CPUID, RDTSC/RDTSCP, SWAPGS, SYSCALL/SYSRET, SYSENTER/SYSEXIT, VMCALL/VMMCALL.
 */
final class SystemOps {
    private SystemOps() {
    }

    static final int MSR_TSC = 0x10, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
            MSR_PAT = 0x277, MSR_EFER = 0xC000_0080, MSR_STAR = 0xC000_0081, MSR_LSTAR = 0xC000_0082,
            MSR_CSTAR = 0xC000_0083, MSR_SFMASK = 0xC000_0084, MSR_FS_BASE = 0xC000_0100, MSR_GS_BASE = 0xC000_0101,
            MSR_KERNEL_GS_BASE = 0xC000_0102, MSR_TSC_AUX = 0xC000_0103;

    private static void cpl0(Cpu c) {
        if (c.cpl != 0) {
            throw Fault.gp0();
        }
    }

    // ---------------------------------------------------------------- port I/O

    /** I/O permission: CPL ≤ IOPL, or the TSS I/O bitmap allows every port of the access. */
    static void ioCheck(Cpu c, int port, int size) {
        if ((c.cr0 & Cpu.CR0_PE) == 0 || (c.cpl <= c.iopl() && (c.eflags & Flags.VM) == 0)) {
            return;
        }
        int trType = c.segAttr[Segment.TR] & 0xF;
        long limit = c.segLimit[Segment.TR] & 0xFFFF_FFFFL;
        if ((trType != 0x9 && trType != 0xB) || limit < 0x67) {
            throw Fault.gp0();
        }
        long tss = c.segBase[Segment.TR];
        int base = (int) c.rdSys(tss + 0x66, 2);
        long at = base + (port >>> 3);
        if (at + 1 > limit) {
            throw Fault.gp0();
        }
        int bits = (int) c.rdSys(tss + at, 2);
        int mask = ((1 << size) - 1) << (port & 7);
        if ((bits & mask) != 0) {
            throw Fault.gp0();
        }
    }

    static void inImm(Cpu c, Insn in) {
        portIn(c, in, (int) in.imm);
    }

    static void inDx(Cpu c, Insn in) {
        portIn(c, in, (int) c.r[Cpu.RDX] & 0xFFFF);
    }

    private static void portIn(Cpu c, Insn in, int port) {
        ioCheck(c, port, in.size);
        c.setReg(0, in.size, c.platform.in(port, in.size));
        c.endBlock(); // a device access may raise an interrupt or ask for attention: take it at once
    }

    static void outImm(Cpu c, Insn in) {
        portOut(c, in, (int) in.imm);
    }

    static void outDx(Cpu c, Insn in) {
        portOut(c, in, (int) c.r[Cpu.RDX] & 0xFFFF);
    }

    private static void portOut(Cpu c, Insn in, int port) {
        ioCheck(c, port, in.size);
        c.platform.out(port, in.size, (int) (c.r[0] & Flags.MASK[in.size]));
        c.endBlock();
    }

    // ---------------------------------------------------------------- interrupts flag, HLT

    static void hlt(Cpu c, Insn in) {
        cpl0(c);
        c.halt();
    }

    private static void iopl(Cpu c) {
        if ((c.cr0 & Cpu.CR0_PE) != 0 && c.cpl > c.iopl()) {
            throw Fault.gp0();
        }
    }

    static void cli(Cpu c, Insn in) {
        iopl(c);
        c.eflags &= ~Flags.IF;
    }

    /** STI: when it sets IF, the next instruction runs before any interrupt (so `sti; hlt` waits atomically). */
    static void sti(Cpu c, Insn in) {
        iopl(c);
        if ((c.eflags & Flags.IF) == 0) {
            c.eflags |= Flags.IF;
            c.setShadow();
        }
    }

    // ---------------------------------------------------------------- control and debug registers

    static void movFromCr(Cpu c, Insn in) {
        cpl0(c);
        long v;
        switch (in.reg) {
            case 0: v = c.cr0; break;
            case 2: v = c.cr2; break;
            case 3: v = c.cr3; break;
            case 4: v = c.cr4; break;
            case 8: v = c.platform.cr8() & 15; break;
            default: throw Fault.ud();
        }
        c.setReg(in.rm, in.size, v);
    }

    static void movToCr(Cpu c, Insn in) {
        cpl0(c);
        long v = c.getReg(in.rm, in.size);
        switch (in.reg) {
            case 0: writeCr0(c, v); break;
            case 2: c.cr2 = v; break;
            case 3:
                c.cr3 = v & (c.longMode() ? 0x000F_FFFF_FFFF_FFFFL : 0xFFFF_FFFFL);
                c.flushTlb(false);
                break;
            case 4: writeCr4(c, v); break;
            case 8:
                if ((v & ~15L) != 0) {
                    throw Fault.gp0();
                }
                c.platform.setCr8((int) v);
                break;
            default: throw Fault.ud();
        }
        c.endBlock();
    }

    static final long CR0_VALID = Cpu.CR0_PE | Cpu.CR0_MP | Cpu.CR0_EM | Cpu.CR0_TS | Cpu.CR0_ET | Cpu.CR0_NE
            | Cpu.CR0_WP | Cpu.CR0_AM | Cpu.CR0_NW | Cpu.CR0_CD | Cpu.CR0_PG;
    /** VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT. */
    static final long CR4_VALID = 0x7FF;

    static void writeCr0(Cpu c, long v) {
        if ((v >>> 32) != 0 || (v & Cpu.CR0_PG) != 0 && (v & Cpu.CR0_PE) == 0
                || (v & Cpu.CR0_NW) != 0 && (v & Cpu.CR0_CD) == 0) {
            throw Fault.gp0();
        }
        boolean pgOn = (v & Cpu.CR0_PG) != 0 && (c.cr0 & Cpu.CR0_PG) == 0;
        if (pgOn && (c.efer & Cpu.EFER_LME) != 0 && (c.cr4 & Cpu.CR4_PAE) == 0) {
            throw Fault.gp0();
        }
        if ((v & Cpu.CR0_PG) == 0 && c.mode == 8) {
            throw Fault.gp0(); // paging cannot be turned off in 64-bit mode
        }
        long old = c.cr0;
        c.cr0 = (v & CR0_VALID) | Cpu.CR0_ET;
        if (((old ^ c.cr0) & (Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_PE)) != 0) {
            c.flushTlb(true);
        }
        c.updateMode();
    }

    static void writeCr4(Cpu c, long v) {
        if ((v & ~CR4_VALID) != 0 || (c.longMode() && (v & Cpu.CR4_PAE) == 0)) {
            throw Fault.gp0();
        }
        c.cr4 = v;
        c.flushTlb(true);
    }

    static void movFromDr(Cpu c, Insn in) {
        cpl0(c);
        int n = in.reg;
        if (n > 7) {
            throw Fault.ud();
        }
        if (n == 4 || n == 5) {
            n += 2;
        }
        c.setReg(in.rm, in.size, c.dr[n]);
    }

    /** MOV DRn: kept and read back; breakpoints are not implemented. */
    static void movToDr(Cpu c, Insn in) {
        cpl0(c);
        int n = in.reg;
        if (n > 7) {
            throw Fault.ud();
        }
        if (n == 4 || n == 5) {
            n += 2;
        }
        c.dr[n] = c.getReg(in.rm, in.size);
    }

    static void clts(Cpu c, Insn in) {
        cpl0(c);
        c.cr0 &= ~Cpu.CR0_TS;
    }

    static void wbinvd(Cpu c, Insn in) {
        cpl0(c);
    }

    static void smsw(Cpu c, Insn in) {
        if (in.rm >= 0) {
            c.setReg(in.rm, in.size, c.cr0);
        } else {
            c.wr(c.addr(in), 2, c.cr0);
        }
    }

    /** LMSW: the low four bits of CR0; it can set PE but never clear it. */
    static void lmsw(Cpu c, Insn in) {
        cpl0(c);
        long v = in.rm >= 0 ? c.getReg(in.rm, 2) : c.rd(c.addr(in), 2);
        long n = (c.cr0 & ~0xEL) | (v & 0xE) | ((c.cr0 | v) & 1);
        writeCr0(c, n);
        c.endBlock();
    }

    // ---------------------------------------------------------------- descriptor tables

    static void lgdt(Cpu c, Insn in) {
        cpl0(c);
        long la = c.addr(in);
        int limit = (int) c.rd(la, 2);
        long base = c.mode == 8 ? c.rd(la + 2, 8) : c.rd(la + 2, 4) & (in.size == 2 ? 0xFF_FFFFL : 0xFFFF_FFFFL);
        c.gdtBase = base;
        c.gdtLimit = limit;
    }

    static void lidt(Cpu c, Insn in) {
        cpl0(c);
        long la = c.addr(in);
        int limit = (int) c.rd(la, 2);
        long base = c.mode == 8 ? c.rd(la + 2, 8) : c.rd(la + 2, 4) & (in.size == 2 ? 0xFF_FFFFL : 0xFFFF_FFFFL);
        c.idtBase = base;
        c.idtLimit = limit;
    }

    static void sgdt(Cpu c, Insn in) {
        long la = c.addr(in);
        c.wr(la, 2, c.gdtLimit);
        if (c.mode == 8) {
            c.wr(la + 2, 8, c.gdtBase);
        } else {
            c.wr(la + 2, 4, c.gdtBase);
        }
    }

    static void sidt(Cpu c, Insn in) {
        long la = c.addr(in);
        c.wr(la, 2, c.idtLimit);
        if (c.mode == 8) {
            c.wr(la + 2, 8, c.idtBase);
        } else {
            c.wr(la + 2, 4, c.idtBase);
        }
    }

    static void invlpg(Cpu c, Insn in) {
        cpl0(c);
        c.invlpg(c.addr(in));
    }

    // ---------------------------------------------------------------- MSRs, CPUID, TSC

    static void rdmsr(Cpu c, Insn in) {
        cpl0(c);
        int msr = (int) c.r[Cpu.RCX];
        long v = readMsr(c, msr);
        c.r[0] = v & 0xFFFF_FFFFL;
        c.r[2] = v >>> 32;
    }

    static void wrmsr(Cpu c, Insn in) {
        cpl0(c);
        int msr = (int) c.r[Cpu.RCX];
        long v = (c.r[0] & 0xFFFF_FFFFL) | (c.r[2] << 32);
        writeMsr(c, msr, v);
        c.endBlock();
    }

    static long readMsr(Cpu c, int msr) {
        switch (msr) {
            case MSR_TSC: return c.platform.tsc();
            case MSR_SYSENTER_CS: return c.sysenterCs;
            case MSR_SYSENTER_ESP: return c.sysenterEsp;
            case MSR_SYSENTER_EIP: return c.sysenterEip;
            case MSR_PAT: return c.pat;
            case MSR_EFER: return c.efer;
            case MSR_STAR: return c.star;
            case MSR_LSTAR: return c.lstar;
            case MSR_CSTAR: return c.cstar;
            case MSR_SFMASK: return c.sfmask;
            case MSR_FS_BASE: return c.segBase[Segment.FS];
            case MSR_GS_BASE: return c.segBase[GS];
            case MSR_KERNEL_GS_BASE: return c.kernelGsBase;
            case MSR_TSC_AUX: return c.tscAux;
            default:
                try {
                    return c.platform.rdmsr(msr);
                } catch (GeneralProtectionFault e) {
                    throw Fault.gp0();
                }
        }
    }

    private static boolean canonical(long v) {
        return ((v << 16) >> 16) == v;
    }

    static void writeMsr(Cpu c, int msr, long v) {
        switch (msr) {
            case MSR_TSC: c.platform.setTsc(v); return;
            case MSR_SYSENTER_CS: c.sysenterCs = v & 0xFFFF; return;
            case MSR_SYSENTER_ESP: requireCanonical(v); c.sysenterEsp = v; return;
            case MSR_SYSENTER_EIP: requireCanonical(v); c.sysenterEip = v; return;
            case MSR_PAT:
                for (int i = 0; i < 8; i++) {
                    int t = (int) (v >>> (8 * i)) & 0xFF;
                    if (t == 2 || t == 3 || t > 7) {
                        throw Fault.gp0();
                    }
                }
                c.pat = v;
                return;
            case MSR_EFER: writeEfer(c, v); return;
            case MSR_STAR: c.star = v; return;
            case MSR_LSTAR: requireCanonical(v); c.lstar = v; return;
            case MSR_CSTAR: requireCanonical(v); c.cstar = v; return;
            case MSR_SFMASK: c.sfmask = v & 0xFFFF_FFFFL; return;
            case MSR_FS_BASE: requireCanonical(v); c.segBase[Segment.FS] = v; return;
            case MSR_GS_BASE: requireCanonical(v); c.segBase[GS] = v; return;
            case MSR_KERNEL_GS_BASE: requireCanonical(v); c.kernelGsBase = v; return;
            case MSR_TSC_AUX: c.tscAux = v & 0xFFFF_FFFFL; return;
            default:
                try {
                    c.platform.wrmsr(msr, v);
                } catch (GeneralProtectionFault e) {
                    throw Fault.gp0();
                }
        }
    }

    private static void requireCanonical(long v) {
        if (!canonical(v)) {
            throw Fault.gp0();
        }
    }

    /** EFER: SCE, LME, NXE are writable; LMA follows LME and paging; LME cannot change while paging is on. */
    static void writeEfer(Cpu c, long v) {
        long writable = Cpu.EFER_SCE | Cpu.EFER_LME | Cpu.EFER_NXE;
        if ((v & ~(writable | Cpu.EFER_LMA)) != 0) {
            throw Fault.gp0();
        }
        if ((c.cr0 & Cpu.CR0_PG) != 0 && ((v ^ c.efer) & Cpu.EFER_LME) != 0) {
            throw Fault.gp0();
        }
        c.efer = (c.efer & Cpu.EFER_LMA) | (v & writable);
        c.updateMode();
        c.flushTlb(true);
    }

    static void cpuid(Cpu c, Insn in) {
        CpuidResult r = c.platform.cpuid((int) c.r[0], (int) c.r[1]);
        c.r[0] = r.eax() & 0xFFFF_FFFFL;
        c.r[3] = r.ebx() & 0xFFFF_FFFFL;
        c.r[1] = r.ecx() & 0xFFFF_FFFFL;
        c.r[2] = r.edx() & 0xFFFF_FFFFL;
    }

    static void rdtsc(Cpu c, Insn in) {
        if ((c.cr4 & 4) != 0 && c.cpl != 0) {
            throw Fault.gp0(); // CR4.TSD
        }
        long t = c.platform.tsc();
        c.r[0] = t & 0xFFFF_FFFFL;
        c.r[2] = t >>> 32;
    }

    static void rdtscp(Cpu c, Insn in) {
        rdtsc(c, in);
        c.r[1] = c.tscAux & 0xFFFF_FFFFL;
    }

    static void swapgs(Cpu c, Insn in) {
        cpl0(c);
        long t = c.segBase[GS];
        c.segBase[GS] = c.kernelGsBase;
        c.kernelGsBase = t;
    }

    // ---------------------------------------------------------------- fast system calls

    /** SYSCALL: CS/SS from STAR[47:32], RIP from LSTAR (CSTAR from compatibility mode), RFLAGS masked by SFMASK. */
    static void syscall(Cpu c, Insn in) {
        if ((c.efer & Cpu.EFER_SCE) == 0 || !c.longMode()) {
            throw Fault.ud();
        }
        int sel = (int) (c.star >>> 32) & 0xFFFC;
        long next = c.nextRip();
        boolean from64 = c.mode == 8;
        c.r[Cpu.RCX] = next;
        c.r[11] = c.rflags() & ~Flags.RF;
        c.setSegmentRaw(CS, sel, 0, 0xFFFF_FFFF, 0xA09B);
        c.setSegmentRaw(SS, sel + 8, 0, 0xFFFF_FFFF, 0xC093);
        c.writeFlags(c.rflags() & ~c.sfmask & ~Flags.RF, Flags.WRITABLE | Flags.VM);
        c.rip = from64 ? c.lstar : c.cstar;
        c.updateMode();
    }

    /** SYSRET: to 64-bit (REX.W) or compatibility mode at CPL 3; CS/SS from STAR[63:48]. */
    static void sysret(Cpu c, Insn in) {
        if ((c.efer & Cpu.EFER_SCE) == 0 || c.mode != 8) {
            throw Fault.ud();
        }
        cpl0(c);
        int base = (int) (c.star >>> 48) & 0xFFFF;
        boolean to64 = in.size == 8;
        long target = to64 ? c.r[Cpu.RCX] : c.r[Cpu.RCX] & 0xFFFF_FFFFL;
        if (to64 && !canonical(target)) {
            throw Fault.gp0();
        }
        if (to64) {
            c.setSegmentRaw(CS, (base + 16) | 3, 0, 0xFFFF_FFFF, 0xA0FB);
        } else {
            c.setSegmentRaw(CS, base | 3, 0, 0xFFFF_FFFF, 0xC0FB);
        }
        c.setSegmentRaw(SS, (base + 8) | 3, 0, 0xFFFF_FFFF, 0xC0F3);
        c.writeFlags(c.r[11], Flags.WRITABLE & ~Flags.RF);
        c.eflags &= ~Flags.RF;
        c.rip = target;
        c.updateMode();
    }

    static void sysenter(Cpu c, Insn in) {
        if ((c.cr0 & Cpu.CR0_PE) == 0 || (c.sysenterCs & 0xFFFC) == 0) {
            throw Fault.gp0();
        }
        int sel = (int) c.sysenterCs & 0xFFFC;
        c.eflags &= ~(Flags.VM | Flags.IF | Flags.RF);
        if (c.longMode()) {
            c.setSegmentRaw(CS, sel, 0, 0xFFFF_FFFF, 0xA09B);
            c.rip = c.sysenterEip;
            c.r[Cpu.RSP] = c.sysenterEsp;
        } else {
            c.setSegmentRaw(CS, sel, 0, 0xFFFF_FFFF, 0xC09B);
            c.rip = c.sysenterEip & 0xFFFF_FFFFL;
            c.r[Cpu.RSP] = c.sysenterEsp & 0xFFFF_FFFFL;
        }
        c.setSegmentRaw(SS, sel + 8, 0, 0xFFFF_FFFF, 0xC093);
        c.updateMode();
    }

    static void sysexit(Cpu c, Insn in) {
        if ((c.cr0 & Cpu.CR0_PE) == 0 || (c.sysenterCs & 0xFFFC) == 0) {
            throw Fault.gp0();
        }
        cpl0(c);
        int sel = (int) c.sysenterCs & 0xFFFC;
        if (in.size == 8) {
            c.setSegmentRaw(CS, (sel + 32) | 3, 0, 0xFFFF_FFFF, 0xA0FB);
            c.setSegmentRaw(SS, (sel + 40) | 3, 0, 0xFFFF_FFFF, 0xC0F3);
            c.rip = c.r[Cpu.RDX];
            c.r[Cpu.RSP] = c.r[Cpu.RCX];
        } else {
            c.setSegmentRaw(CS, (sel + 16) | 3, 0, 0xFFFF_FFFF, 0xC0FB);
            c.setSegmentRaw(SS, (sel + 24) | 3, 0, 0xFFFF_FFFF, 0xC0F3);
            c.rip = c.r[Cpu.RDX] & 0xFFFF_FFFFL;
            c.r[Cpu.RSP] = c.r[Cpu.RCX] & 0xFFFF_FFFFL;
        }
        c.updateMode();
    }

    /** VMCALL / VMMCALL: the platform's hypercall; RIP advances unless the platform set it. */
    static void vmcall(Cpu c, Insn in) {
        c.ripOverride = false;
        long next = c.nextRip();
        c.platform.hypercall(c);
        if (!c.ripOverride) {
            c.rip = next;
        }
        c.ripOverride = false;
        c.endBlock();
    }
}
