package dev.celadon.emulator.cpu;

/**
 * Which SSE/SSE2 instruction an 0F xx opcode is under each mandatory prefix (p: 0 none, 1 = 66, 2 = F3, 3 = F2),
 * and the handler with its variant in {@code Insn.imm2}. Anything not listed (MMX forms, SSE3+) is not claimed.
 */
final class SseTable {
    private SseTable() {
    }

    static boolean known(int b, int p) {
        switch (b) {
            case 0x10: case 0x11: case 0x51: case 0x58: case 0x59: case 0x5A: case 0x5C: case 0x5D: case 0x5E:
            case 0x5F: case 0xC2:
                return true;
            case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17: case 0x28: case 0x29: case 0x2B:
            case 0x2E: case 0x2F: case 0x50: case 0x54: case 0x55: case 0x56: case 0x57: case 0xC6:
                return p <= 1;
            case 0x2A: case 0x2C: case 0x2D:
                return p >= 2;
            case 0x5B:
                return p <= 2;
            case 0x6F: case 0x7F:
                return p == 1 || p == 2;
            case 0x7E:
                return p == 1 || p == 2;
            case 0xE6: case 0x70:
                return p >= 1;
            case 0xC3:
                return p == 0;
            case 0xD0: case 0xD6: case 0xF0: case 0xF7: case 0xFF:
                return b == 0xD6 && p == 1;
            default:
                return p == 1 && (b >= 0x60 && b <= 0x76 || b == 0xC4 || b == 0xC5 || b >= 0xD1 && b <= 0xFE);
        }
    }

    static Exec pick(Insn in, int b, int p, int reg) {
        boolean mem = in.rm < 0;
        in.imm2 = p == 0 ? SseFloat.PS : p == 1 ? SseFloat.PD : p == 2 ? SseFloat.SS : SseFloat.SD;
        switch (b) {
            case 0x10:
                if (p <= 1) { in.imm2 = 1; return Sse::movLoad; } // MOVUPS/MOVUPD
                return p == 2 ? Sse::movssLoad : Sse::movsdLoad;
            case 0x11:
                if (p <= 1) { in.imm2 = 1; return Sse::movStore; }
                return p == 2 ? Sse::movssStore : Sse::movLowStore;
            case 0x12: return Sse::movLowLoad; // MOVLPS/MOVLPD m64, MOVHLPS
            case 0x13: return mem ? Sse::movLowStore : null;
            case 0x14: case 0x15: return Sse::unpack;
            case 0x16: return Sse::movHighLoad; // MOVHPS/MOVHPD m64, MOVLHPS
            case 0x17: return mem ? Sse::movHighStore : null;
            case 0x28: in.imm2 = 0; return Sse::movLoad;
            case 0x29: in.imm2 = 0; return Sse::movStore;
            case 0x2B: in.imm2 = 0; return mem ? Sse::movStore : null; // MOVNTPS/MOVNTPD
            case 0x2A: return SseFloat::cvtsi2s;
            case 0x2C: case 0x2D: return SseFloat::cvts2si;
            case 0x2E: case 0x2F: return SseFloat::comis;
            case 0x50: return mem ? null : Sse::movmsk;
            case 0x51: case 0x58: case 0x59: case 0x5C: case 0x5D: case 0x5E: case 0x5F: return SseFloat::arith;
            case 0x5A: return SseFloat::cvt5a;
            case 0x5B: return SseFloat::cvt5b;
            case 0x54: case 0x55: case 0x56: case 0x57: return Sse::packed; // ANDPS ANDNPS ORPS XORPS (and PD)
            case 0xC2: return SseFloat::cmp;
            case 0xC3: return mem ? Sse::movnti : null;
            case 0xC4: return Sse::pinsrw;
            case 0xC5: return mem ? null : Sse::pextrw;
            case 0xC6: return Sse::shuf;
            case 0xE6: return SseFloat::cvtE6;
            case 0x6E: return Sse::movdToXmm;
            case 0x6F: in.imm2 = p == 2 ? 1 : 0; return Sse::movLoad;
            case 0x7F: in.imm2 = p == 2 ? 1 : 0; return Sse::movStore;
            case 0x7E: return p == 2 ? Sse::movqLoad : Sse::movdFromXmm;
            case 0xD6: return Sse::movLowStore;
            case 0xE7: in.imm2 = 0; return mem ? Sse::movStore : null; // MOVNTDQ
            case 0x70: return Sse::pshuf;
            case 0x60: case 0x61: case 0x62: case 0x68: case 0x69: case 0x6A: case 0x6C: case 0x6D: return Sse::unpack;
            case 0x63: case 0x67: case 0x6B: return Sse::pack;
            case 0x71: case 0x72: case 0x73: {
                if (mem) {
                    return null;
                }
                boolean ok = reg == 2 || reg == 6 || reg == 4 && b != 0x73 || (reg == 3 || reg == 7) && b == 0x73;
                in.imm2 = reg;
                return ok ? Sse::shiftI : null;
            }
            case 0xD1: case 0xD2: case 0xD3: case 0xE1: case 0xE2: case 0xF1: case 0xF2: case 0xF3: return Sse::shiftX;
            case 0xD7: return mem ? null : Sse::pmovmskb;
            case 0xF5: return Sse::pmaddwd;
            case 0xF6: return Sse::psadbw;
            case 0x64: case 0x65: case 0x66: case 0x74: case 0x75: case 0x76: case 0xD4: case 0xD5: case 0xD8:
            case 0xD9: case 0xDA: case 0xDB: case 0xDC: case 0xDD: case 0xDE: case 0xDF: case 0xE0: case 0xE3:
            case 0xE4: case 0xE5: case 0xE8: case 0xE9: case 0xEA: case 0xEB: case 0xEC: case 0xED: case 0xEE:
            case 0xEF: case 0xF4: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD: case 0xFE:
                return Sse::packed;
            default:
                return null;
        }
    }
}
