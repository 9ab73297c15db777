package dev.celadon.enlightenment.timing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.enlightenment.ReferenceTsc;
import dev.celadon.test.support.DirectGuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The TSC page's bytes in real guest memory, and the scale arithmetic the guest will run on them. */
class ReferenceTscPageTest {

    @Test
    void publishWritesSequenceScaleAndOffsetAtTheTlfsOffsetsAndLeavesTheRestAlone() {
        DirectGuestMemory mem = DirectGuestMemory.of(1 << 20, (byte) 0xA5);
        ReferenceTscPage.publish(mem, 0x3000, new ReferenceTsc(0x0123456789ABCDEFL, -5), 7);
        ByteBuffer b = ByteBuffer.wrap(mem.peek(0x3000, 4096)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(7, b.getInt(0));
        assertEquals(0, b.getInt(4), "reserved word cleared");
        assertEquals(0x0123456789ABCDEFL, b.getLong(8));
        assertEquals(-5, b.getLong(16));
        assertEquals((byte) 0xA5, b.get(24), "the rest of the page is the guest's");
        assertEquals((byte) 0xA5, b.get(4095));
        assertEquals((byte) 0xA5, mem.peek(0x2FFF, 1)[0], "nothing before the page");
        assertEquals((byte) 0xA5, mem.peek(0x4000, 1)[0], "nothing after the page");
    }

    @Test
    void sequenceZeroIsRefusedAndTheSequenceSkipsBothInvalidValues() {
        DirectGuestMemory mem = DirectGuestMemory.of(1 << 20, (byte) 0);
        assertThrows(IllegalArgumentException.class, () -> ReferenceTscPage.publish(mem, 0, ReferenceTsc.forFrequency(1_000_000_000L), 0));
        assertEquals(1, ReferenceTscPage.next(0));
        assertEquals(2, ReferenceTscPage.next(1));
        assertEquals(1, ReferenceTscPage.next(0xFFFF_FFFE), "0xFFFFFFFF is skipped");
        assertEquals(1, ReferenceTscPage.next(-1));
    }

    @Test
    void theScaleTurnsTscTicksInto100NanosecondUnits() {
        ReferenceTsc ghz = ReferenceTsc.forFrequency(1_000_000_000L);
        assertEquals(0x028F5C28F5C28F5CL, ghz.scale(), "floor(2^64 * 10^7 / 10^9) = floor(2^64 / 100)");
        assertEquals(0, ghz.offset());
        long oneSecond = ghz.referenceTime(1_000_000_000L);
        assertTrue(oneSecond == 10_000_000L - 1 || oneSecond == 10_000_000L, "one second: " + oneSecond);
        ReferenceTsc odd = ReferenceTsc.forFrequency(2_893_437_000L);
        long tsc = 2_893_437_000L * 3600; // one hour
        long t = odd.referenceTime(tsc);
        assertTrue(Math.abs(t - 36_000_000_000L) <= 1, "one hour at 2.893437 GHz: " + t);
        // Unsigned arithmetic: a TSC with bit 63 set still gives the right high half.
        long big = 0x8000_0000_0000_0000L;
        long expected = new java.math.BigInteger(Long.toUnsignedString(big)).multiply(java.math.BigInteger.valueOf(ghz.scale()))
                .shiftRight(64).longValue();
        assertEquals(expected, ghz.referenceTime(big));
        assertThrows(IllegalArgumentException.class, () -> ReferenceTsc.forFrequency(9_999_999L), "scale would not fit");
    }
}
