package dev.celadon.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Hand-built Multiboot images: the header (Multiboot 0.6.96, 3.1.1) and ELF32 executables around it. */
final class TestMultiboot {
    static final int MAGIC = 0x1BADB002;

    private TestMultiboot() {
    }

    /** magic, flags, checksum, then the optional fields (header_addr .. entry_addr, mode_type .. depth). */
    static byte[] header(int flags, int... fields) {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 * fields.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(flags).putInt(-(MAGIC + flags));
        for (int f : fields) {
            b.putInt(f);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** An ELF32 ET_EXEC: 52-byte header, 32-byte program headers, then each segment's bytes in order. */
    static final class Elf32 {
        record Seg(long paddr, long vaddr, byte[] data, long memsz) {
        }

        final List<Seg> segments = new ArrayList<>();
        long entry;
        int machine = 3;

        Elf32 segment(long paddr, byte[] data, long memsz) {
            return segment(paddr, paddr, data, memsz);
        }

        Elf32 segment(long paddr, long vaddr, byte[] data, long memsz) {
            segments.add(new Seg(paddr, vaddr, data, memsz));
            return this;
        }

        Elf32 entry(long e) {
            entry = e;
            return this;
        }

        /** File offset of segment {@code i}'s first byte. */
        int offset(int i) {
            int off = 52 + 32 * (segments.size() + 1);
            for (int k = 0; k < i; k++) {
                off += segments.get(k).data.length;
            }
            return off;
        }

        byte[] build() {
            int phnum = segments.size() + 1; // + an ignored PT_GNU_STACK
            int total = offset(segments.size());
            ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1, 0});
            b.position(0x10);
            b.putShort((short) 2).putShort((short) machine).putInt(1).putInt((int) entry).putInt(52).putInt(0)
                    .putInt(0).putShort((short) 52).putShort((short) 32).putShort((short) phnum)
                    .putShort((short) 40).putShort((short) 0).putShort((short) 0);
            int ph = 52;
            for (int i = 0; i < segments.size(); i++) {
                Seg s = segments.get(i);
                b.position(ph);
                b.putInt(1).putInt(offset(i)).putInt((int) s.vaddr).putInt((int) s.paddr).putInt(s.data.length)
                        .putInt((int) s.memsz).putInt(7).putInt(0x1000);
                ph += 32;
                b.position(offset(i));
                b.put(s.data);
            }
            b.position(ph);
            b.putInt(0x6474e551);
            return b.array();
        }
    }
}
