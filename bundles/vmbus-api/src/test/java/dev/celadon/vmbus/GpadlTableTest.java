package dev.celadon.vmbus;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpadlTableTest {
    @Test
    void pagesOfOneChannelAreNotAnothers() {
        GpadlTable t = new GpadlTable();
        Gpadl ring1 = Gpadl.ofPages(10, 11, 12, 13);
        t.add(1, 0xE1E10, ring1);
        // The same channel may name its pages again (two buffers over one page is its own business).
        t.add(1, 0xE1E11, Gpadl.ofPages(13, 14));
        GpadlException e = assertThrows(GpadlException.class, () -> t.add(2, 0xE1E12, Gpadl.ofPages(20, 14)));
        assertTrue(e.getMessage().contains("page frame 0xe") && e.getMessage().contains("channel 1"), e.getMessage());
        assertNull(t.get(0xE1E12), "a refused GPADL leaves nothing behind");
        e = assertThrows(GpadlException.class, () -> t.add(2, 0xE1E10, Gpadl.ofPages(30)));
        assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        t.add(2, 0xE1E12, Gpadl.ofPages(20, 21));
        assertEquals(3, t.size());
        assertSame(ring1, t.get(0xE1E10));
        assertEquals(1, t.channelOf(0xE1E11));

        // Page 13 stays channel 1's until both of its GPADLs are gone.
        assertSame(ring1, t.remove(0xE1E10));
        assertThrows(GpadlException.class, () -> t.add(2, 0xE1E13, Gpadl.ofPages(13)));
        t.add(2, 0xE1E13, Gpadl.ofPages(10));
        assertEquals(1, t.removeChannel(1));
        t.add(2, 0xE1E14, Gpadl.ofPages(13, 14));
        assertNull(t.remove(0xE1E11));
        assertEquals(3, t.removeChannel(2));
        assertEquals(0, t.size());
    }
}
