package dev.celadon.vmbus;

import dev.celadon.test.support.DirectGuestMemory;

import dev.celadon.hypervisor.api.MemoryRegion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpadlTest {
    private static final byte POISON = (byte) 0xA5;

    private static void refused(String expected, Runnable r) {
        GpadlException e = assertThrows(GpadlException.class, r::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void shapeIsChecked() {
        refused("no pages", () -> Gpadl.ofPages());
        refused("more than", () -> Gpadl.ofPages(new long[Gpadl.MAX_PAGES + 1]));
        refused("twice", () -> Gpadl.ofPages(5, 6, 5));
        refused("52-bit", () -> Gpadl.ofPages(1L << 40));
        refused("52-bit", () -> Gpadl.ofPages(-1));
        refused("first page", () -> Gpadl.of(new long[] {1}, 4096, 1));
        refused("first page", () -> Gpadl.of(new long[] {1}, -1, 1));
        refused("does not fit", () -> Gpadl.of(new long[] {1, 2}, 100, 8192));
        refused("does not fit", () -> Gpadl.of(new long[] {1}, 0, 0));
        refused("last page unused", () -> Gpadl.of(new long[] {1, 2, 3}, 0, 8192));
        Gpadl g = Gpadl.of(new long[] {7, 3}, 100, 4000);
        assertEquals(2, g.pageCount());
        assertEquals(4000, g.byteCount());
        assertEquals(Gpadl.MAX_PFN, Gpadl.ofPages(Gpadl.MAX_PFN).pfn(0));
    }

    @Test
    void pagesMustBeRamOfThePartition() {
        // 1 MiB of low RAM, a hole, 1 MiB from 4 GiB: the hole's pages and those past the top are refused.
        DirectGuestMemory mem = new DirectGuestMemory(List.of(new MemoryRegion(0, 1 << 20),
                new MemoryRegion(1L << 32, 1 << 20)), POISON);
        Gpadl.validated(mem, new long[] {0, 255, 0x100000, 0x1000FF}, 0, 4 * 4096);
        refused("0x100 (guest-physical 0x100000) is not RAM", () -> Gpadl.validated(mem, new long[] {1, 0x100}, 0, 8192));
        refused("0x100100", () -> Gpadl.validated(mem, new long[] {0x100100}, 0, 4096));
        refused("not RAM", () -> Gpadl.ofPages(0xfffff).memory(mem));
    }

    @Test
    void overlapIsPageGranular() {
        Gpadl a = Gpadl.ofPages(10, 11, 12);
        assertTrue(a.overlaps(Gpadl.of(new long[] {12}, 4000, 10)));
        assertEquals(12, a.firstSharedPage(Gpadl.ofPages(99, 12)));
        assertFalse(a.overlaps(Gpadl.ofPages(9, 13, 100)));
        assertEquals(-1, a.firstSharedPage(Gpadl.ofPages(9, 13)));
    }

    @Test
    void memoryFollowsScatteredPages() {
        DirectGuestMemory mem = DirectGuestMemory.of(1 << 20, POISON);
        long[] pfns = {40, 3, 17, 200};
        Gpadl g = Gpadl.of(pfns, 1000, 3 * 4096 + 100);
        GpadlMemory m = g.memory(mem);
        assertEquals(3 * 4096 + 100, m.size());
        byte[] data = new byte[(int) m.size()];
        new Random(1).nextBytes(data);
        m.write(0, data);
        // Byte i of the buffer lives at page (1000 + i) / 4096 of the list, at offset (1000 + i) % 4096.
        for (int i = 0; i < data.length; i += 97) {
            long at = 1000L + i;
            long gpa = pfns[(int) (at / 4096)] * 4096 + at % 4096;
            assertEquals(data[i], mem.peek(gpa, 1)[0], "byte " + i);
        }
        // Nothing before the buffer in the first page or after it in the last was touched.
        assertEquals(POISON, mem.peek(40 * 4096 + 999, 1)[0]);
        assertEquals(POISON, mem.peek(200 * 4096 + (1000 + data.length) % 4096, 1)[0]);
        byte[] back = new byte[5000];
        m.read(2000, back, 0, back.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 2000, 7000), back);
        GpadlMemory s = m.slice(3096, 4096);
        assertTrue(s.isPageAligned(0));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 3096, 3096 + 4096), s.read(0, 4096));
        assertEquals(data[3096 + 8] & 0xff, s.buffer(8, 4).get(0) & 0xff);
        s.fill(10, 20, (byte) 0);
        assertEquals(0, mem.peek(3 * 4096 + 10, 20)[19]);
    }

    @Test
    void rangesOutsideTheBufferAreRefused() {
        DirectGuestMemory mem = DirectGuestMemory.of(1 << 20, POISON);
        GpadlMemory m = Gpadl.ofPages(1, 5).memory(mem);
        refused("outside", () -> m.read(8190, new byte[3], 0, 3));
        refused("outside", () -> m.write(-1, new byte[1], 0, 1));
        refused("outside", () -> m.slice(4096, 4097));
        refused("outside", () -> m.read(Long.MAX_VALUE, new byte[1], 0, 1));
        refused("crosses a page", () -> m.buffer(4094, 4));
    }
}
