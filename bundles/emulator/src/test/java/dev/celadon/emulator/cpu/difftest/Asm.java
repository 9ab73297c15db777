package dev.celadon.emulator.cpu.difftest;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The encoder: appends {@link Insn}s as machine code at {@link CaseLayout#CODE_BASE}, choosing the legacy
 * prefixes (group 1, segment, 66, 67), REX (W, R, X, B, and the bare 40 that selects SPL..DIL), ModRM, SIB,
 * displacement and immediates, and keeps the text objdump should print for each instruction.
 */
public final class Asm {
    private final ByteArrayOutputStream code = new ByteArrayOutputStream();
    private final List<String> texts = new ArrayList<>();
    private final List<Integer> starts = new ArrayList<>();

    public long pc() {
        return CaseLayout.CODE_BASE + code.size();
    }

    public byte[] bytes() {
        return code.toByteArray();
    }

    public List<String> texts() {
        return texts;
    }

    /** Offsets of the instructions' first bytes. */
    public List<Integer> starts() {
        return starts;
    }

    /** Raw bytes with their expected disassembly (for a displacement fixed up later, see {@link #patch32}). */
    public int raw(String text, int... b) {
        starts.add(code.size());
        texts.add(text);
        for (int x : b) code.write(x);
        return code.size();
    }

    public void patchText(int insn, String text) {
        texts.set(insn, text);
    }

    public int count() {
        return texts.size();
    }

    /** Overwrites {@code n} little-endian bytes at code offset {@code at} (a branch displacement, once known). */
    public void patch(int at, long v, int n) {
        byte[] b = code.toByteArray();
        for (int k = 0; k < n; k++) b[at + k] = (byte) (v >>> (8 * k));
        code.reset();
        code.writeBytes(b);
    }

    public int size() {
        return code.size();
    }

    /**
     * A relative branch: {@code opcode} bytes then a displacement of {@code dispBytes} to be fixed by
     * {@link #bind}; returns a handle. {@code mnemonic} is completed with the target address.
     */
    public int[] branch(String mnemonic, int dispBytes, int... opcode) {
        raw(mnemonic, opcode);
        int insn = texts.size() - 1;
        for (int k = 0; k < dispBytes; k++) code.write(0);
        return new int[] {insn, code.size() - dispBytes, dispBytes, code.size()};
    }

    /** Points a branch made by {@link #branch} at code offset {@code target}. */
    public void bind(int[] br, int target) {
        long disp = target - br[3];
        if (br[2] == 1 && disp != (byte) disp) throw new IllegalStateException("rel8 out of range: " + disp);
        patch(br[1], disp, br[2]);
        patchText(br[0], texts.get(br[0]) + " " + hex(CaseLayout.CODE_BASE + target));
    }

    public void emit(Insn i) {
        int start = code.size();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (i.group1 >= 0) b.write(i.group1);
        if (i.segment >= 0) b.write(i.segment);
        if (i.opSize == 16) b.write(0x66);
        if (i.addr32 || i.mem != null && i.mem.addr32()) b.write(0x67);

        boolean w = i.opSize == 64 && !i.default64;
        int r = i.regField >= 0 && i.regIsRegister && i.regField < 16 ? i.regField >> 3 : 0;
        int x = i.mem != null && i.mem.index() >= 8 ? 1 : 0;
        int bb = i.mem != null ? (i.mem.base() >= 8 && i.mem.base() < 16 ? 1 : 0)
                : i.rmReg >= 0 ? (i.rmReg < 16 ? i.rmReg >> 3 : 0)
                : i.opcodeReg >= 0 && i.opcodeReg < 16 ? i.opcodeReg >> 3 : 0;
        boolean needsRex8 = byteNeedsRex(i.regIsRegister ? i.regField : -1, i.regSize)
                || byteNeedsRex(i.rmReg, i.rmSize) || byteNeedsRex(i.opcodeReg, i.rmSize);
        boolean highByte = isHigh(i.regIsRegister ? i.regField : -1, i.regSize) || isHigh(i.rmReg, i.rmSize)
                || isHigh(i.opcodeReg, i.rmSize);
        boolean rex = w || r != 0 || x != 0 || bb != 0 || needsRex8;
        if (rex && highByte) throw new IllegalArgumentException("AH..BH cannot be encoded with a REX prefix");
        if (rex) b.write(0x40 | (w ? 8 : 0) | r << 2 | x << 1 | bb);

        for (int k = 0; k < i.opcode.length; k++) {
            int op = i.opcode[k] & 0xFF;
            if (k == i.opcode.length - 1 && i.opcodeReg >= 0) op |= low3(i.opcodeReg);
            b.write(op);
        }
        int dispAt = -1;
        if (i.regField >= 0) {
            int reg = i.regIsRegister ? low3(i.regField) : i.regField & 7;
            if (i.mem == null) {
                b.write(0xC0 | reg << 3 | low3(i.rmReg));
            } else {
                Mem m = i.mem;
                if (m.base() == Mem.RIP) {
                    b.write(reg << 3 | 5);
                    dispAt = b.size();
                    writeLe(b, 0, 4);
                } else if (m.base() == Mem.NONE) {
                    b.write(reg << 3 | 4);
                    b.write(scaleBits(m.scale()) << 6 | (m.index() == Mem.NONE ? 4 : m.index() & 7) << 3 | 5);
                    writeLe(b, m.disp(), 4);
                } else {
                    int mod = m.dispSize() == 0 ? 0 : m.dispSize() == 1 ? 1 : 2;
                    boolean sib = m.index() != Mem.NONE || (m.base() & 7) == 4;
                    b.write(mod << 6 | reg << 3 | (sib ? 4 : m.base() & 7));
                    if (sib) b.write(scaleBits(m.scale()) << 6 | (m.index() == Mem.NONE ? 4 : m.index() & 7) << 3 | m.base() & 7);
                    writeLe(b, m.disp(), m.dispSize());
                }
            }
        }
        writeLe(b, i.imm, i.immSize);
        writeLe(b, i.imm2, i.imm2Size);
        byte[] enc = b.toByteArray();
        String memText = "";
        if (i.mem != null) {
            if (i.mem.base() == Mem.RIP) {
                long next = CaseLayout.CODE_BASE + start + enc.length;
                long disp = i.mem.disp() - next;
                if (disp != (int) disp) throw new IllegalArgumentException("RIP-relative target out of reach");
                for (int k = 0; k < 4; k++) enc[dispAt + k] = (byte) (disp >> (8 * k));
                memText = "[" + (i.mem.addr32() ? "eip" : "rip") + "+" + hex(disp) + "]"; // objdump: unsigned 64-bit
            } else {
                memText = memText(i.mem);
            }
        }
        starts.add(start);
        code.writeBytes(enc);
        texts.add(i.text.replace("{m}", memText));
    }

    static boolean byteNeedsRex(int reg, int size) {
        return size == 8 && reg >= 4 && reg <= 7;
    }

    static boolean isHigh(int reg, int size) {
        return size == 8 && reg >= 16;
    }

    static int low3(int reg) {
        return (reg >= 16 ? reg - 12 : reg) & 7;
    }

    private static int scaleBits(int s) {
        return Integer.numberOfTrailingZeros(s);
    }

    private static void writeLe(ByteArrayOutputStream b, long v, int n) {
        for (int k = 0; k < n; k++) b.write((int) (v >>> (8 * k)));
    }

    // ---- objdump's Intel syntax, to cross-check the encoding ----

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
            "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
            "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
            "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "ah", "ch", "dh", "bh"};

    public static String reg(int code, int bits) {
        return switch (bits) {
            case 8 -> R8[code];
            case 16 -> R16[code];
            case 32 -> R32[code];
            case 64 -> R64[code];
            default -> throw new IllegalArgumentException("size " + bits);
        };
    }

    public static String ptr(int bits) {
        return switch (bits) {
            case 8 -> "BYTE PTR ";
            case 16 -> "WORD PTR ";
            case 32 -> "DWORD PTR ";
            case 64 -> "QWORD PTR ";
            case 128 -> "OWORD PTR ";
            default -> "";
        };
    }

    static String memText(Mem m) {
        String[] names = m.addr32() ? R32 : R64;
        String zero = m.addr32() ? "eiz" : "riz"; // objdump's name for "no index" when a SIB says so with a scale
        boolean sib = m.index() != Mem.NONE || m.base() == Mem.NONE || (m.base() & 7) == 4;
        if (m.base() == Mem.NONE && m.index() == Mem.NONE && m.scale() == 1 && !m.addr32())
            return "ds:" + hex(m.disp()); // disp32, sign-extended
        StringBuilder s = new StringBuilder("[");
        if (m.base() != Mem.NONE) s.append(names[m.base()]);
        if (m.index() != Mem.NONE || sib && (m.scale() != 1 || m.base() == Mem.NONE)) {
            if (m.base() != Mem.NONE) s.append('+');
            s.append(m.index() != Mem.NONE ? names[m.index()] : zero).append('*').append(m.scale());
        }
        if (m.base() == Mem.NONE && m.index() == Mem.NONE) s.append('+').append(hex(m.disp() & 0xFFFFFFFFL));
        else if (m.dispSize() > 0) s.append(signedHex(m.disp()));
        return s.append(']').toString();
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String signedHex(long v) {
        return v < 0 ? "-0x" + Long.toHexString(-v) : "+0x" + Long.toHexString(v);
    }

    /** An immediate as objdump prints it: sign-extended to the operand size, unsigned hex. */
    public static String imm(long v, int bits) {
        return hex(bits == 64 ? v : v & ((1L << bits) - 1));
    }
}
