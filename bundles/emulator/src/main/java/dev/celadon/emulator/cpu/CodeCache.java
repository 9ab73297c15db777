package dev.celadon.emulator.cpu;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoded blocks of one processor, keyed by the physical address of their first byte and the decode mode: a
 * direct-mapped table in front of a map holding every block. A block is used only while its page's write
 * generation ({@link PhysicalMemory#generation}) is the one it was decoded at, so a store to the page by any
 * processor or device, through any mapping, makes it stale; it is then decoded again.
 */
final class CodeCache {
    static final int MAX_INSNS = 48;
    private static final int L1_BITS = 14;
    private static final int L1_MASK = (1 << L1_BITS) - 1;

    private final PhysicalMemory mem;
    private final Block[] l1 = new Block[1 << L1_BITS];
    private final Map<Long, Block> all = new HashMap<>();
    private final List<Insn> scratch = new ArrayList<>();

    CodeCache(PhysicalMemory mem) {
        this.mem = mem;
    }

    /** The block at the processor's RIP; decodes it if absent or stale. Faults (#PF, #GP) like a fetch. */
    Block block(Cpu c) {
        long la = c.codeLinear(c.rip);
        int i = Cpu.EXEC * Cpu.TLB_SIZE + ((int) (la >>> 12) & Cpu.TLB_MASK);
        long pa;
        if (c.tlbTag[i] == ((la & ~0xFFFL) | c.tlbUser)) {
            pa = c.tlbPhys[i] | (la & 0xFFF);
        } else {
            if (((la << 16) >> 16) != la && c.mode == 8) {
                throw Fault.gp0();
            }
            pa = c.translate(la, Cpu.EXEC, c.tlbUser != 0);
        }
        ByteBuffer buf = c.tlbBuf[i];
        if (buf == null) {
            throw new CpuStop("instruction fetch from guest-physical 0x" + Long.toHexString(pa) + ", which is not RAM");
        }
        long key = pa | ((long) c.mode << 60);
        int h = (int) (pa ^ (pa >>> L1_BITS) ^ c.mode) & L1_MASK;
        Block b = l1[h];
        if (b != null && b.key == key && b.gen == mem.generation(b.page)) {
            return b;
        }
        b = all.get(key);
        if (b == null || b.gen != mem.generation(b.page)) {
            b = decode(c, la, pa, buf, c.tlbOff[i]);
            if (b.key != -1) {
                all.put(key, b);
            } else {
                return b;
            }
        }
        l1[h] = b;
        return b;
    }

    private final byte[] seen = new byte[4096];

    private Block decode(Cpu c, long la, long pa, ByteBuffer buf, int pageOff) {
        long page = pa >>> 12;
        int po = (int) pa & 0xFFF;
        while (true) {
            // The generation first, then the bytes, then the line marks, then a check that the bytes are still
            // those decoded: a store racing with this either shows in the check or, after the marks, in the
            // generation.
            int gen = mem.generation(page);
            Block b = decodeOnce(c, la, pa, buf, pageOff, page, po, gen);
            if (b.key == -1) {
                return b;
            }
            mem.markCode(page, po, po + b.len);
            boolean same = true;
            for (int i = 0; i < b.len && same; i++) {
                same = buf.get(pageOff + po + i) == seen[i];
            }
            if (same) {
                return b;
            }
        }
    }

    private Block decodeOnce(Cpu c, long la, long pa, ByteBuffer buf, int pageOff, long page, int po, int gen) {
        Decoder d = c.decoder;
        scratch.clear();
        int pos = 0;
        while (true) {
            Insn in;
            try {
                in = d.decode(buf, pageOff + po + pos, 4096 - po - pos, la + pos, c.mode);
            } catch (Fault f) {
                if (scratch.isEmpty()) {
                    throw f;
                }
                break; // the faulting instruction starts the next block and faults there
            }
            if (d.crossed) {
                if (scratch.isEmpty()) {
                    // An instruction spanning two pages: run it alone and do not keep it (its second page
                    // may be remapped or written independently).
                    in.off = 0;
                    in.idx = 0;
                    return new Block(-1, page, gen, new Insn[] {in}, in.end);
                }
                break;
            }
            System.arraycopy(d.bytes, 0, seen, pos, in.end);
            in.off = pos;
            in.end += pos;
            in.idx = scratch.size();
            scratch.add(in);
            pos = in.end;
            if (in.terminator || scratch.size() >= MAX_INSNS || po + pos >= 4096) {
                break;
            }
        }
        return new Block(pa | ((long) c.mode << 60), page, gen, scratch.toArray(new Insn[0]), pos);
    }

    int size() {
        return all.size();
    }

    /** Every cached block (a census of what ran: bench and tests). */
    Iterable<Block> blocks() {
        return all.values();
    }
}
