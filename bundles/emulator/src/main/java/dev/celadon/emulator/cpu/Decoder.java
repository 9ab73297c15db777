package dev.celadon.emulator.cpu;

import java.nio.ByteBuffer;

import static dev.celadon.emulator.cpu.Segment.CS;
import static dev.celadon.emulator.cpu.Segment.DS;
import static dev.celadon.emulator.cpu.Segment.ES;
import static dev.celadon.emulator.cpu.Segment.FS;
import static dev.celadon.emulator.cpu.Segment.GS;
import static dev.celadon.emulator.cpu.Segment.SS;

/**
 * Decodes one instruction into an {@link Insn}: legacy prefixes, REX, the one- and two-byte opcode maps,
 * ModRM/SIB/displacement and immediates; picks the handler. Every byte comes through {@link #next()}, which
 * enforces the 15-byte limit (#GP) and fetches across the page end through the TLB (#PF with CR2 on the next
 * page). The opcode switches are split by opcode range to keep each method small enough for the JIT.
 */
final class Decoder {
    private final Cpu c;
    private ByteBuffer buf;
    private int start, avail, n;
    private long la;
    /** The instruction took bytes from the next page. */
    boolean crossed;
    /** The bytes of the last instruction decoded, as read. */
    final byte[] bytes = new byte[16];

    private int mode, rex, rexR, rexX, rexB, segOv, rawReg, mod;
    private boolean opOv;

    Decoder(Cpu c) {
        this.c = c;
    }

    private int next() {
        if (n >= 15) {
            throw Fault.gp0();
        }
        int b;
        if (n < avail) {
            b = buf.get(start + n) & 0xFF;
        } else {
            b = c.fetchByte(la + n);
            crossed = true;
        }
        bytes[n++] = (byte) b;
        return b;
    }

    private long imm8s() {
        return (byte) next();
    }

    private long imm16() {
        int lo = next();
        return lo | (next() << 8);
    }

    private long imm32s() {
        long v = next();
        v |= next() << 8;
        v |= next() << 16;
        v |= (long) next() << 24;
        return (int) v;
    }

    private long imm64() {
        long lo = imm32s() & 0xFFFF_FFFFL;
        return lo | (imm32s() << 32);
    }

    /** Iz: 16 bits at operand size 2, else 32 bits sign-extended. */
    private long immz(int size) {
        return size == 2 ? imm16() : imm32s();
    }

    private long imm(int size) {
        return size == 1 ? next() : immz(size);
    }

    /**
     * Decodes at {@code buf[start]}, {@code avail} bytes of which are on the current page, linear address {@code la};
     * {@code mode} is the default address size (2, 4, 8). Offsets in the result are relative to {@code start}.
     */
    Insn decode(ByteBuffer buf, int start, int avail, long la, int mode) {
        this.buf = buf;
        this.start = start;
        this.avail = avail;
        this.la = la;
        this.mode = mode;
        n = 0;
        crossed = false;
        lockOk = false;
        Insn in = new Insn();
        int pfx = 0;
        segOv = -1;
        opOv = false;
        boolean adOv = false;
        rex = 0;
        int b;
        prefixes:
        for (;;) {
            b = next();
            switch (b) {
                case 0x66: opOv = true; rex = 0; continue;
                case 0x67: adOv = true; rex = 0; continue;
                case 0x26: segOv = ES; rex = 0; continue;
                case 0x2E: segOv = CS; rex = 0; continue;
                case 0x36: segOv = SS; rex = 0; continue;
                case 0x3E: segOv = DS; rex = 0; continue;
                case 0x64: segOv = FS; rex = 0; continue;
                case 0x65: segOv = GS; rex = 0; continue;
                case 0xF0: pfx |= Insn.P_LOCK; rex = 0; continue;
                case 0xF2: pfx = (pfx & ~Insn.P_REP) | Insn.P_REPNE; rex = 0; continue;
                case 0xF3: pfx = (pfx & ~Insn.P_REPNE) | Insn.P_REP; rex = 0; continue;
                default:
                    if (mode == 8 && (b & 0xF0) == 0x40) {
                        rex = b;
                        continue;
                    }
                    break prefixes;
            }
        }
        rexR = (rex & 4) << 1;
        rexX = (rex & 2) << 2;
        rexB = (rex & 1) << 3;
        boolean rexW = (rex & 8) != 0;
        in.pfx = pfx | (rex != 0 ? Insn.P_REX : 0) | (opOv ? Insn.P_OPSIZE : 0);
        if (mode == 8) {
            in.size = rexW ? 8 : opOv ? 2 : 4;
            in.asize = adOv ? 4 : 8;
        } else if (mode == 4) {
            in.size = opOv ? 2 : 4;
            in.asize = adOv ? 2 : 4;
        } else {
            in.size = opOv ? 4 : 2;
            in.asize = adOv ? 4 : 2;
        }
        // Memory operands without ModRM (string ops, moffs, XLAT) use DS unless overridden.
        in.seg = dataSeg(DS);
        if (b == 0x0F) {
            int b2 = next();
            if (b2 < 0x80) {
                twoByteLow(in, b2);
            } else {
                twoByteHigh(in, b2);
            }
        } else if (b < 0x40) {
            oneByte00(in, b);
        } else if (b < 0x80) {
            oneByte40(in, b);
        } else if (b < 0xC0) {
            oneByte80(in, b);
        } else {
            oneByteC0(in, b);
        }
        if ((in.pfx & Insn.P_LOCK) != 0 && !lockable(in)) {
            in.exec = Ops::ud;
        }
        in.end = n;
        return in;
    }

    private int dataSeg(int def) {
        int s = segOv >= 0 ? segOv : def;
        return mode == 8 ? (s == FS || s == GS ? s : -1) : s;
    }

    private boolean lockable(Insn in) {
        return in.rm < 0 && lockOk;
    }

    /** Set by handlers that accept LOCK (with a memory destination). */
    private boolean lockOk;

    private void modrm(Insn in) {
        lockOk = false;
        int m = next();
        lastRm = m & 7;
        mod = m >> 6;
        rawReg = (m >> 3) & 7;
        in.reg = rawReg | rexR;
        int rm = m & 7;
        if (mod == 3) {
            in.rm = rm | rexB;
            return;
        }
        in.rm = -1;
        int def = DS;
        if (in.asize == 2) {
            switch (rm) {
                case 0: in.base = 3; in.index = 6; break;
                case 1: in.base = 3; in.index = 7; break;
                case 2: in.base = 5; in.index = 6; def = SS; break;
                case 3: in.base = 5; in.index = 7; def = SS; break;
                case 4: in.base = 6; break;
                case 5: in.base = 7; break;
                case 6:
                    if (mod == 0) {
                        in.disp = imm16();
                    } else {
                        in.base = 5;
                        def = SS;
                    }
                    break;
                default: in.base = 3; break;
            }
            if (mod == 1) {
                in.disp = imm8s();
            } else if (mod == 2) {
                in.disp = imm16();
            }
        } else {
            if (rm == 4) {
                int sib = next();
                in.scale = sib >> 6;
                int idx = ((sib >> 3) & 7) | rexX;
                in.index = idx == 4 ? -1 : idx;
                int base = (sib & 7) | rexB;
                if ((base & 7) == 5 && mod == 0) {
                    in.disp = imm32s();
                } else {
                    in.base = base;
                }
            } else if (rm == 5 && mod == 0) {
                in.disp = imm32s();
                in.ripRel = mode == 8;
            } else {
                in.base = rm | rexB;
            }
            if (mod == 1) {
                in.disp = imm8s();
            } else if (mod == 2) {
                in.disp = imm32s();
            }
            if (in.base == 4 || in.base == 5) {
                def = SS;
            }
        }
        in.seg = dataSeg(def);
    }

    private int byteReg(int r) {
        return rex == 0 && r >= 4 && r < 8 ? r + 12 : r;
    }

    private void byteRegs(Insn in) {
        in.size = 1;
        in.reg = byteReg(in.reg);
        if (in.rm >= 0) {
            in.rm = byteReg(in.rm);
        }
    }

    /** Operand size of near branches and stack operations: 64 in 64-bit mode unless 66. */
    private int stackOpSize(Insn in) {
        return mode == 8 ? (opOv ? 2 : 8) : in.size;
    }

    private void invalid64(Insn in) {
        in.exec = Ops::ud;
        in.terminator = true;
    }

    private void unimplemented(Insn in) {
        in.exec = Ops::unimplemented;
        in.terminator = true;
    }

    // ---------------------------------------------------------------- 00-3F: ALU, segment push/pop
    private void oneByte00(Insn in, int b) {
        int form = b & 7;
        if (form < 6) {
            in.op2 = b >> 3;
            switch (form) {
                case 0: modrm(in); byteRegs(in); in.exec = IntOps.ALU_EG[in.op2]; lockOk = in.op2 != 7; break;
                case 1: modrm(in); in.exec = IntOps.ALU_EG[in.op2]; lockOk = in.op2 != 7; break;
                case 2: modrm(in); byteRegs(in); in.exec = IntOps.ALU_GE[in.op2]; break;
                case 3: modrm(in); in.exec = IntOps.ALU_GE[in.op2]; break;
                case 4: in.size = 1; in.rm = 0; in.imm = next(); in.exec = IntOps.ALU_EI[in.op2]; break;
                default: in.rm = 0; in.imm = immz(in.size); in.exec = IntOps.ALU_EI[in.op2]; break;
            }
            return;
        }
        int sreg = b >> 3;
        if (b == 0x27 || b == 0x2F || b == 0x37 || b == 0x3F) {
            if (mode == 8) {
                invalid64(in);
            } else {
                unimplemented(in); // BCD adjust
            }
            return;
        }
        if (mode == 8) {
            invalid64(in);
            return;
        }
        in.reg = sreg;
        if (form == 6) {
            in.exec = StackOps::pushSeg;
        } else {
            in.exec = StackOps::popSeg;
            in.terminator = true; // POP SS: shadow; POP DS etc. may fault
        }
    }

    // ---------------------------------------------------------------- 40-7F: INC/DEC, PUSH/POP, Jcc...
    private void oneByte40(Insn in, int b) {
        if (b < 0x50) {
            in.rm = b & 7;
            in.exec = (b & 8) == 0 ? IntOps::inc : IntOps::dec;
            return;
        }
        if (b < 0x58) {
            in.reg = (b & 7) | rexB;
            in.size = stackOpSize(in);
            in.exec = StackOps::pushR;
            return;
        }
        if (b < 0x60) {
            in.reg = (b & 7) | rexB;
            in.size = stackOpSize(in);
            in.exec = StackOps::popR;
            return;
        }
        if (b >= 0x70) {
            in.op2 = b & 15;
            in.imm = imm8s();
            in.size = stackOpSize(in); // 64-bit in long mode: a taken short Jcc must not truncate RIP to 32 bits
            in.exec = Branch.JCC[in.op2];
            in.terminator = true;
            return;
        }
        switch (b) {
            case 0x60: if (mode == 8) invalid64(in); else in.exec = StackOps::pusha; break;
            case 0x61: if (mode == 8) invalid64(in); else in.exec = StackOps::popa; break;
            case 0x62: unimplemented(in); break; // BOUND (EVEX in 64-bit mode)
            case 0x63:
                if (mode == 8) {
                    modrm(in); // MOVSXD; without REX.W a plain 32-bit (or 16-bit) move
                    in.op2 = 4;
                    in.exec = in.size == 8 ? IntOps::movsx : IntOps::movGE;
                } else {
                    unimplemented(in); // ARPL
                }
                break;
            case 0x68: in.size = stackOpSize(in); in.imm = immz(in.size); in.exec = StackOps::pushI; break;
            case 0x69: modrm(in); in.imm = immz(in.size); in.exec = IntOps::imul3; break;
            case 0x6A: in.size = stackOpSize(in); in.imm = imm8s(); in.exec = StackOps::pushI; break;
            case 0x6B: modrm(in); in.imm = imm8s(); in.exec = IntOps::imul3; break;
            case 0x6C: in.size = 1; string(in, Strings::ins); break;
            case 0x6D: in.size = Math.min(in.size, 4); string(in, Strings::ins); break;
            case 0x6E: in.size = 1; string(in, Strings::outs); break;
            default: in.size = Math.min(in.size, 4); string(in, Strings::outs); break;
        }
    }

    private void string(Insn in, Exec e) {
        in.exec = e;
        if ((in.pfx & (Insn.P_REP | Insn.P_REPNE)) != 0) {
            in.terminator = true; // may stop part-way and resume at itself
        }
    }

    // ---------------------------------------------------------------- 80-BF
    private void oneByte80(Insn in, int b) {
        switch (b) {
            case 0x80: case 0x82:
                if (b == 0x82 && mode == 8) {
                    invalid64(in);
                    return;
                }
                modrm(in); byteRegs(in); in.op2 = rawReg; in.imm = next(); in.exec = IntOps.ALU_EI[in.op2]; lockOk = rawReg != 7;
                return;
            case 0x81: modrm(in); in.op2 = rawReg; in.imm = immz(in.size); in.exec = IntOps.ALU_EI[in.op2]; lockOk = rawReg != 7; return;
            case 0x83: modrm(in); in.op2 = rawReg; in.imm = imm8s(); in.exec = IntOps.ALU_EI[in.op2]; lockOk = rawReg != 7; return;
            case 0x84: modrm(in); byteRegs(in); in.exec = IntOps::testEG; return;
            case 0x85: modrm(in); in.exec = IntOps::testEG; return;
            case 0x86: modrm(in); byteRegs(in); in.exec = IntOps::xchg; lockOk = true; return;
            case 0x87: modrm(in); in.exec = IntOps::xchg; lockOk = true; return;
            case 0x88: modrm(in); byteRegs(in); in.exec = IntOps::movEG; return;
            case 0x89: modrm(in); in.exec = IntOps::movEG; return;
            case 0x8A: modrm(in); byteRegs(in); in.exec = IntOps::movGE; return;
            case 0x8B: modrm(in); in.exec = IntOps::movGE; return;
            case 0x8C: modrm(in); in.reg = rawReg; in.exec = rawReg > 5 ? Ops::ud : SegOps::movFromSeg; return;
            case 0x8D: modrm(in); in.exec = in.rm >= 0 ? Ops::ud : IntOps::lea; return;
            case 0x8E:
                modrm(in);
                in.reg = rawReg;
                in.size = 2;
                in.exec = rawReg > 5 || rawReg == CS ? Ops::ud : SegOps::movToSeg;
                in.terminator = true;
                return;
            case 0x8F:
                modrm(in);
                in.size = stackOpSize(in);
                in.exec = rawReg == 0 ? StackOps::popE : Ops::ud;
                return;
            case 0x90:
                if (rexB != 0) {
                    in.rm = 8;
                    in.reg = 0;
                    in.exec = IntOps::xchg;
                } else {
                    in.exec = (in.pfx & Insn.P_REP) != 0 ? Ops::pause : Ops::nop;
                }
                return;
            case 0x98: in.exec = IntOps::cbw; return;
            case 0x99: in.exec = IntOps::cwd; return;
            case 0x9A:
                if (mode == 8) {
                    invalid64(in);
                    return;
                }
                in.imm = in.size == 2 ? imm16() : imm32s() & 0xFFFF_FFFFL;
                in.imm2 = imm16();
                in.exec = Branch::callFar;
                in.terminator = true;
                return;
            case 0x9B: in.exec = FxSave::fwait; return; // FWAIT: #NM with MP and TS; no x87 exception is ever pending
            case 0x9C: in.size = stackOpSize(in); in.exec = StackOps::pushf; return;
            case 0x9D: in.size = stackOpSize(in); in.exec = StackOps::popf; in.terminator = true; return;
            case 0x9E: in.exec = IntOps::sahf; return;
            case 0x9F: in.exec = IntOps::lahf; return;
            case 0xA0: case 0xA1: case 0xA2: case 0xA3:
                if ((b & 1) == 0) {
                    in.size = 1;
                }
                in.reg = 0;
                in.disp = in.asize == 8 ? imm64() : in.asize == 4 ? imm32s() & 0xFFFF_FFFFL : imm16();
                in.seg = dataSeg(DS);
                in.exec = b < 0xA2 ? IntOps::movGE : IntOps::movEG;
                return;
            case 0xA4: in.size = 1; string(in, Strings::movs); return;
            case 0xA5: string(in, Strings::movs); return;
            case 0xA6: in.size = 1; string(in, Strings::cmps); return;
            case 0xA7: string(in, Strings::cmps); return;
            case 0xA8: in.size = 1; in.rm = 0; in.imm = next(); in.exec = IntOps::testEI; return;
            case 0xA9: in.rm = 0; in.imm = immz(in.size); in.exec = IntOps::testEI; return;
            case 0xAA: in.size = 1; string(in, Strings::stos); return;
            case 0xAB: string(in, Strings::stos); return;
            case 0xAC: in.size = 1; string(in, Strings::lods); return;
            case 0xAD: string(in, Strings::lods); return;
            case 0xAE: in.size = 1; string(in, Strings::scas); return;
            case 0xAF: string(in, Strings::scas); return;
            default:
                break;
        }
        if (b >= 0x91 && b <= 0x97) {
            in.rm = (b & 7) | rexB;
            in.reg = 0;
            in.exec = IntOps::xchg;
            return;
        }
        if (b >= 0xB0 && b <= 0xB7) {
            in.size = 1;
            in.rm = byteReg((b & 7) | rexB);
            in.imm = next();
            in.exec = IntOps::movEI;
            return;
        }
        // B8-BF: MOV r, imm (imm64 with REX.W)
        in.rm = (b & 7) | rexB;
        in.imm = in.size == 8 ? imm64() : in.size == 4 ? imm32s() & 0xFFFF_FFFFL : imm16();
        in.exec = IntOps::movEI;
    }

    // ---------------------------------------------------------------- C0-FF
    private void oneByteC0(Insn in, int b) {
        switch (b) {
            case 0xC0: modrm(in); byteRegs(in); in.op2 = rawReg; in.imm = next(); in.exec = IntOps::shift; return;
            case 0xC1: modrm(in); in.op2 = rawReg; in.imm = next(); in.exec = IntOps::shift; return;
            case 0xC2: in.size = stackOpSize(in); in.imm = imm16(); in.exec = Branch::ret; in.terminator = true; return;
            case 0xC3: in.size = stackOpSize(in); in.exec = Branch::ret; in.terminator = true; return;
            case 0xC4: case 0xC5:
                if (mode == 8) {
                    unimplemented(in); // VEX
                    return;
                }
                modrm(in);
                if (in.rm >= 0) {
                    unimplemented(in); // VEX in 32-bit mode
                    return;
                }
                in.op2 = b == 0xC4 ? ES : DS;
                in.exec = SegOps::loadFarPointer;
                in.terminator = true;
                return;
            case 0xC6: modrm(in); byteRegs(in); in.imm = next(); in.exec = rawReg == 0 ? IntOps::movEI : (Exec) Ops::unimplemented; return;
            case 0xC7: modrm(in); in.imm = immz(in.size); in.exec = rawReg == 0 ? IntOps::movEI : (Exec) Ops::unimplemented; return;
            case 0xC8: in.imm = imm16(); in.imm2 = next(); in.size = stackOpSize(in); in.exec = StackOps::enter; return;
            case 0xC9: in.size = stackOpSize(in); in.exec = StackOps::leave; return;
            case 0xCA: in.imm = imm16(); in.exec = Branch::retFar; in.terminator = true; return;
            case 0xCB: in.exec = Branch::retFar; in.terminator = true; return;
            case 0xCC: in.exec = Branch::int3; in.terminator = true; return;
            case 0xCD: in.imm = next(); in.exec = Branch::intN; in.terminator = true; return;
            case 0xCE: if (mode == 8) invalid64(in); else { in.exec = Branch::into; in.terminator = true; } return;
            case 0xCF: in.exec = Branch::iret; in.terminator = true; return;
            case 0xD0: modrm(in); byteRegs(in); in.op2 = rawReg; in.imm = 1; in.exec = IntOps::shift; return;
            case 0xD1: modrm(in); in.op2 = rawReg; in.imm = 1; in.exec = IntOps::shift; return;
            case 0xD2: modrm(in); byteRegs(in); in.op2 = rawReg; in.exec = IntOps::shiftCl; return;
            case 0xD3: modrm(in); in.op2 = rawReg; in.exec = IntOps::shiftCl; return;
            case 0xD7: in.size = 1; in.exec = IntOps::xlat; return;
            case 0xE0: case 0xE1: case 0xE2: case 0xE3:
                in.op2 = b & 3;
                in.imm = imm8s();
                in.size = stackOpSize(in);
                in.exec = Branch::loop;
                in.terminator = true;
                return;
            case 0xE4: in.size = 1; in.imm = next(); in.exec = SystemOps::inImm; return;
            case 0xE5: in.size = Math.min(in.size, 4); in.imm = next(); in.exec = SystemOps::inImm; return;
            case 0xE6: in.size = 1; in.imm = next(); in.exec = SystemOps::outImm; return;
            case 0xE7: in.size = Math.min(in.size, 4); in.imm = next(); in.exec = SystemOps::outImm; return;
            case 0xE8:
                in.size = stackOpSize(in);
                in.imm = in.size == 2 ? (short) imm16() : imm32s();
                in.exec = Branch::callRel;
                in.terminator = true;
                return;
            case 0xE9:
                in.size = stackOpSize(in);
                in.imm = in.size == 2 ? (short) imm16() : imm32s();
                in.exec = Branch::jmpRel;
                in.terminator = true;
                return;
            case 0xEA:
                if (mode == 8) {
                    invalid64(in);
                    return;
                }
                in.imm = in.size == 2 ? imm16() : imm32s() & 0xFFFF_FFFFL;
                in.imm2 = imm16();
                in.exec = Branch::jmpFar;
                in.terminator = true;
                return;
            case 0xEB: in.size = stackOpSize(in); in.imm = imm8s(); in.exec = Branch::jmpRel; in.terminator = true; return;
            case 0xEC: in.size = 1; in.exec = SystemOps::inDx; return;
            case 0xED: in.size = Math.min(in.size, 4); in.exec = SystemOps::inDx; return;
            case 0xEE: in.size = 1; in.exec = SystemOps::outDx; return;
            case 0xEF: in.size = Math.min(in.size, 4); in.exec = SystemOps::outDx; return;
            case 0xF4: in.exec = SystemOps::hlt; in.terminator = true; return;
            case 0xF5: in.exec = IntOps::cmc; return;
            case 0xF6: modrm(in); byteRegs(in); group3(in); return;
            case 0xF7: modrm(in); group3(in); return;
            case 0xF8: in.exec = IntOps::clc; return;
            case 0xF9: in.exec = IntOps::stc; return;
            case 0xFA: in.exec = SystemOps::cli; return;
            case 0xFB: in.exec = SystemOps::sti; in.terminator = true; return;
            case 0xFC: in.exec = IntOps::cld; return;
            case 0xFD: in.exec = IntOps::std; return;
            case 0xFE:
                modrm(in);
                byteRegs(in);
                in.exec = rawReg == 0 ? IntOps::inc : rawReg == 1 ? IntOps::dec : (Exec) Ops::ud;
                lockOk = rawReg < 2;
                return;
            case 0xFF: modrm(in); group5(in); return;
            default:
                break;
        }
        if (b >= 0xD8 && b <= 0xDF) {
            modrm(in);
            in.op2 = ((b & 7) << 8) | (mod << 6) | (rawReg << 3) | lastRm;
            in.exec = X87::run;
            return;
        }
        unimplemented(in); // D4 AAM, D5 AAD, D6, F1 INT1
    }

    private void group3(Insn in) {
        switch (rawReg) {
            case 0: case 1: in.imm = imm(in.size); in.exec = IntOps::testEI; break;
            case 2: in.exec = IntOps::not; lockOk = true; break;
            case 3: in.exec = IntOps::neg; lockOk = true; break;
            case 4: in.exec = IntOps::mul; break;
            case 5: in.exec = IntOps::imul1; break;
            case 6: in.exec = IntOps::div; break;
            default: in.exec = IntOps::idiv; break;
        }
    }

    private void group5(Insn in) {
        switch (rawReg) {
            case 0: in.exec = IntOps::inc; lockOk = true; break;
            case 1: in.exec = IntOps::dec; lockOk = true; break;
            case 2: in.size = stackOpSize(in); in.exec = Branch::callE; in.terminator = true; break;
            case 3: in.exec = in.rm >= 0 ? Ops::ud : Branch::callFarE; in.terminator = true; break;
            case 4: in.size = stackOpSize(in); in.exec = Branch::jmpE; in.terminator = true; break;
            case 5: in.exec = in.rm >= 0 ? Ops::ud : Branch::jmpFarE; in.terminator = true; break;
            case 6: in.size = stackOpSize(in); in.exec = StackOps::pushE; break;
            default: in.exec = Ops::ud; break;
        }
    }

    // ---------------------------------------------------------------- 0F 00-7F
    private void twoByteLow(Insn in, int b) {
        if (b >= 0x40 && b < 0x50) {
            modrm(in);
            in.op2 = b & 15;
            in.exec = IntOps.CMOV[in.op2];
            return;
        }
        if (b >= 0x18 && b <= 0x1F) {
            modrm(in); // hint space: NOP Ev, prefetch hints, ENDBR64/ENDBR32 (F3 0F 1E FA/FB)
            in.exec = Ops::nop;
            return;
        }
        switch (b) {
            case 0x00: modrm(in); in.op2 = rawReg; in.exec = SegOps::group6; in.terminator = true; return;
            case 0x01: group7(in); return;
            case 0x02: modrm(in); in.exec = SegOps::lar; return;
            case 0x03: modrm(in); in.exec = SegOps::lsl; return;
            case 0x05: in.exec = SystemOps::syscall; in.terminator = true; return;
            case 0x06: in.exec = SystemOps::clts; return;
            case 0x07: in.exec = SystemOps::sysret; in.terminator = true; return;
            case 0x08: case 0x09: in.exec = SystemOps::wbinvd; return;
            case 0x0B: in.exec = Ops::ud; in.terminator = true; return;
            case 0x0D: modrm(in); in.exec = in.rm >= 0 ? Ops::ud : Ops::nop; return; // PREFETCH/PREFETCHW
            case 0x20: case 0x21: case 0x22: case 0x23: {
                int m = next(); // the mod bits are ignored: the operand is always a register, no SIB or displacement
                in.reg = ((m >> 3) & 7) | rexR;
                in.rm = (m & 7) | rexB;
                in.size = mode == 8 ? 8 : 4;
                in.exec = b == 0x20 ? SystemOps::movFromCr : b == 0x22 ? SystemOps::movToCr
                        : b == 0x21 ? SystemOps::movFromDr : SystemOps::movToDr;
                in.terminator = b == 0x22 || b == 0x23;
                return;
            }
            case 0x30: in.exec = SystemOps::wrmsr; in.terminator = true; return;
            case 0x31: in.exec = SystemOps::rdtsc; return;
            case 0x32: in.exec = SystemOps::rdmsr; return;
            case 0x34: in.exec = SystemOps::sysenter; in.terminator = true; return;
            case 0x35: in.exec = SystemOps::sysexit; in.terminator = true; return;
            default:
                if (!sse(in, b)) {
                    unimplemented(in); // MMX, 3DNow!, RDPMC, GETSEC...
                }
                return;
        }
    }

    /** ModRM.rm bits of the last ModRM byte (MOV CR/DR ignore mod). */
    private int lastRm;

    private void group7(Insn in) {
        int m = next();
        n--; // re-read through modrm() for the memory forms
        lastRm = m & 7;
        if ((m >> 6) == 3) {
            n++;
            rawReg = (m >> 3) & 7;
            switch (m) {
                case 0xC1: case 0xD9: in.exec = SystemOps::vmcall; in.terminator = true; return;
                case 0xF8: in.exec = mode == 8 ? SystemOps::swapgs : Ops::ud; return;
                case 0xF9: in.exec = SystemOps::rdtscp; return;
                default: break;
            }
            if (rawReg == 4) {
                in.rm = lastRm | rexB;
                in.exec = SystemOps::smsw;
                return;
            }
            if (rawReg == 6) {
                in.rm = lastRm | rexB;
                in.size = 2;
                in.exec = SystemOps::lmsw;
                in.terminator = true;
                return;
            }
            unimplemented(in); // MONITOR/MWAIT, XGETBV, CLAC/STAC, SVM...
            return;
        }
        modrm(in);
        switch (rawReg) {
            case 0: in.exec = SystemOps::sgdt; return;
            case 1: in.exec = SystemOps::sidt; return;
            case 2: in.exec = SystemOps::lgdt; in.terminator = true; return;
            case 3: in.exec = SystemOps::lidt; in.terminator = true; return;
            case 4: in.exec = SystemOps::smsw; return;
            case 6: in.size = 2; in.exec = SystemOps::lmsw; in.terminator = true; return;
            case 7: in.exec = SystemOps::invlpg; in.terminator = true; return;
            default: unimplemented(in); return;
        }
    }

    // ---------------------------------------------------------------- 0F 80-FF
    private void twoByteHigh(Insn in, int b) {
        if (b < 0x90) {
            in.op2 = b & 15;
            in.imm = mode != 8 && in.size == 2 ? (short) imm16() : imm32s();
            in.size = stackOpSize(in);
            in.exec = Branch.JCC[in.op2];
            in.terminator = true;
            return;
        }
        if (b < 0xA0) {
            modrm(in);
            byteRegs(in);
            in.op2 = b & 15;
            in.exec = IntOps.SETCC[in.op2];
            return;
        }
        if (b >= 0xC8 && b <= 0xCF) {
            in.rm = (b & 7) | rexB;
            in.exec = IntOps::bswap;
            return;
        }
        switch (b) {
            case 0xA0: case 0xA8:
                if (mode == 8) {
                    in.size = opOv ? 2 : 8;
                }
                in.reg = b == 0xA0 ? FS : GS;
                in.exec = StackOps::pushSeg;
                return;
            case 0xA1: case 0xA9:
                if (mode == 8) {
                    in.size = opOv ? 2 : 8;
                }
                in.reg = b == 0xA1 ? FS : GS;
                in.exec = StackOps::popSeg;
                in.terminator = true;
                return;
            case 0xA2: in.exec = SystemOps::cpuid; return;
            case 0xA3: modrm(in); in.op2 = 0; in.exec = IntOps::btG; return;
            case 0xAB: modrm(in); in.op2 = 1; in.exec = IntOps::btG; lockOk = true; return;
            case 0xB3: modrm(in); in.op2 = 2; in.exec = IntOps::btG; lockOk = true; return;
            case 0xBB: modrm(in); in.op2 = 3; in.exec = IntOps::btG; lockOk = true; return;
            case 0xA4: modrm(in); in.op2 = 0; in.imm = next(); in.exec = IntOps::shld; return;
            case 0xA5: modrm(in); in.op2 = 1; in.exec = IntOps::shld; return;
            case 0xAC: modrm(in); in.op2 = 0; in.imm = next(); in.exec = IntOps::shrd; return;
            case 0xAD: modrm(in); in.op2 = 1; in.exec = IntOps::shrd; return;
            case 0xAE: group15(in); return;
            case 0xAF: modrm(in); in.exec = IntOps::imul2; return;
            case 0xB0: modrm(in); byteRegs(in); in.exec = IntOps::cmpxchg; lockOk = true; return;
            case 0xB1: modrm(in); in.exec = IntOps::cmpxchg; lockOk = true; return;
            case 0xB2: case 0xB4: case 0xB5:
                modrm(in);
                in.op2 = b == 0xB2 ? SS : b == 0xB4 ? FS : GS;
                in.exec = in.rm >= 0 ? Ops::ud : SegOps::loadFarPointer;
                in.terminator = true;
                return;
            case 0xB6: modrm(in); in.rm = in.rm >= 0 ? byteReg(in.rm) : -1; in.op2 = 1; in.exec = IntOps::movzx; return;
            case 0xB7: modrm(in); in.op2 = 2; in.exec = IntOps::movzx; return;
            case 0xBE: modrm(in); in.rm = in.rm >= 0 ? byteReg(in.rm) : -1; in.op2 = 1; in.exec = IntOps::movsx; return;
            case 0xBF: modrm(in); in.op2 = 2; in.exec = IntOps::movsx; return;
            case 0xB9: modrm(in); in.exec = Ops::ud; in.terminator = true; return; // UD1
            case 0xBA:
                modrm(in);
                in.imm = next();
                if (rawReg < 4) {
                    in.exec = Ops::ud;
                    return;
                }
                in.op2 = rawReg - 4;
                in.exec = IntOps::btI;
                lockOk = in.op2 != 0;
                return;
            case 0xBC: modrm(in); in.exec = IntOps::bsf; return; // TZCNT (F3) runs as BSF: no BMI1
            case 0xBD: modrm(in); in.exec = IntOps::bsr; return; // LZCNT (F3) runs as BSR: no ABM
            case 0xC0: modrm(in); byteRegs(in); in.exec = IntOps::xadd; lockOk = true; return;
            case 0xC1: modrm(in); in.exec = IntOps::xadd; lockOk = true; return;
            case 0xC7:
                modrm(in);
                if (rawReg == 1 && in.rm < 0) {
                    in.exec = in.size == 8 ? IntOps::cmpxchg16b : IntOps::cmpxchg8b;
                    lockOk = true;
                } else {
                    unimplemented(in); // RDRAND, RDSEED, RDPID, VMX
                }
                return;
            case 0xFF: in.exec = Ops::ud; in.terminator = true; return; // UD0
            default:
                if (!sse(in, b)) {
                    unimplemented(in);
                }
                return;
        }
    }

    /**
     * The SSE/SSE2 forms of 0F xx: the mandatory prefix (none, 66, F3, F2: F2/F3 win over 66) picks the
     * instruction. Returns false, having read nothing more, when the opcode/prefix pair is not one of them.
     */
    private boolean sse(Insn in, int b) {
        int p = (in.pfx & Insn.P_REP) != 0 ? 2 : (in.pfx & Insn.P_REPNE) != 0 ? 3 : opOv ? 1 : 0;
        if (!SseTable.known(b, p)) {
            return false;
        }
        modrm(in);
        in.op2 = b;
        if (b == 0x70 || b == 0x71 || b == 0x72 || b == 0x73 || b == 0xC2 || b == 0xC4 || b == 0xC5 || b == 0xC6) {
            in.imm = next();
        }
        in.exec = SseTable.pick(in, b, p, rawReg);
        if (in.exec == null) {
            unimplemented(in);
        }
        return true;
    }

    private void group15(Insn in) {
        modrm(in);
        if (in.rm >= 0) {
            if ((in.pfx & (Insn.P_REP | Insn.P_REPNE)) == 0 && rawReg >= 5) {
                in.exec = rawReg == 5 ? Ops::lfence : rawReg == 6 ? Ops::mfence : Ops::sfence;
                return;
            }
            unimplemented(in); // RDFSBASE etc.: no FSGSBASE
            return;
        }
        if (rawReg == 7 && (in.pfx & (Insn.P_REP | Insn.P_REPNE)) == 0) {
            in.exec = Ops::clflush;
            return;
        }
        if ((in.pfx & (Insn.P_REP | Insn.P_REPNE | Insn.P_OPSIZE)) == 0 && rawReg < 4) {
            in.exec = rawReg == 0 ? FxSave::fxsave : rawReg == 1 ? FxSave::fxrstor : rawReg == 2 ? FxSave::ldmxcsr : FxSave::stmxcsr;
            return;
        }
        unimplemented(in); // XSAVE, XRSTOR, XSAVEOPT...
    }
}
