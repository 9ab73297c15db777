package dev.celadon.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Hand-built ELF64 x86-64 executables: PT_LOAD segments plus an optional PT_NOTE with the Xen PVH entry. */
final class TestElf {
    record Seg(long paddr, byte[] data, long memsz) {
    }

    final List<Seg> segments = new ArrayList<>();
    Long pvhEntry;
    int machine = 62;

    TestElf segment(long paddr, byte[] data, long memsz) {
        segments.add(new Seg(paddr, data, memsz));
        return this;
    }

    TestElf entry(long e) {
        pvhEntry = e;
        return this;
    }

    byte[] build() {
        int phnum = segments.size() + (pvhEntry != null ? 1 : 0) + 1; // + an ignored PT_GNU_STACK
        int phoff = 64;
        int dataOff = phoff + phnum * 56;
        int noteSize = 12 + 4 + 8;
        int total = dataOff + noteSize + segments.stream().mapToInt(s -> s.data.length).sum();
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.position(0x10);
        b.putShort((short) 2).putShort((short) machine).putInt(1).putLong(0xffffffff81000000L)
                .putLong(phoff).putLong(0).putInt(0).putShort((short) 64).putShort((short) 56)
                .putShort((short) phnum).putShort((short) 64).putShort((short) 0).putShort((short) 0);
        int ph = phoff;
        int off = dataOff;
        if (pvhEntry != null) {
            phdr(b, ph, 4, off, 0, noteSize, noteSize);
            ph += 56;
            b.position(off);
            b.putInt(4).putInt(8).putInt(18).put(new byte[] {'X', 'e', 'n', 0}).putLong(pvhEntry);
        }
        off += noteSize;
        for (Seg s : segments) {
            phdr(b, ph, 1, off, s.paddr, s.data.length, s.memsz);
            ph += 56;
            b.position(off);
            b.put(s.data);
            off += s.data.length;
        }
        phdr(b, ph, 0x6474e551, 0, 0, 0, 0);
        return b.array();
    }

    private static void phdr(ByteBuffer b, int at, int type, long offset, long paddr, long filesz, long memsz) {
        b.position(at);
        b.putInt(type).putInt(5).putLong(offset).putLong(paddr | 0xffffffff80000000L).putLong(paddr)
                .putLong(filesz).putLong(memsz).putLong(0x1000);
    }
}
