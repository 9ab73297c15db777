package dev.celadon.hypervisor.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.HypervisorException;
import org.junit.jupiter.api.Test;

class RangeTableTest {

    @Test
    void findsTheRangeHoldingTheWholeAccess() {
        RangeTable<String> t = new RangeTable<>("port");
        t.add(0x3f8, 8, "com1");
        t.add(0x2f8, 8, "com2");
        assertEquals("com1", t.find(0x3f8, 1));
        assertEquals("com1", t.find(0x3ff, 1));
        assertEquals("com2", t.find(0x2fc, 4));
        assertNull(t.find(0x3f7, 1));
        assertNull(t.find(0x400, 1));
        assertNull(t.find(0x3fe, 4), "an access running past the end is not the device's");
    }

    @Test
    void overlappingClaimsAreRejectedNamingTheHolder() {
        RangeTable<String> t = new RangeTable<>("port");
        t.add(0x3f8, 8, "com1");
        HypervisorException e = assertThrows(HypervisorException.class, () -> t.add(0x3fc, 8, "other"));
        assertTrue(e.getMessage().contains("com1"), e.getMessage());
        assertThrows(HypervisorException.class, () -> t.add(0x3f0, 9, "other"));
        t.add(0x3f0, 8, "adjacent");
        assertEquals(2, t.size());
    }

    @Test
    void removingGivesTheRangeBack() {
        RangeTable<String> t = new RangeTable<>("MMIO");
        t.add(0xfeb00000L, 0x1000, "dev");
        t.remove(0xfeb00000L, "someone else");
        assertEquals("dev", t.find(0xfeb00010L, 4));
        t.remove(0xfeb00000L, "dev");
        assertNull(t.find(0xfeb00010L, 4));
        t.add(0xfeb00000L, 0x1000, "new dev");
        assertEquals("new dev", t.find(0xfeb00ff8L, 8));
    }

    @Test
    void invalidRangesAreRejected() {
        RangeTable<String> t = new RangeTable<>("MSR");
        assertThrows(HypervisorException.class, () -> t.add(10, 0, "x"));
        assertThrows(HypervisorException.class, () -> t.add(-5, 10, "x"));
        assertThrows(HypervisorException.class, () -> t.add(Long.MAX_VALUE, 10, "x"));
    }
}
