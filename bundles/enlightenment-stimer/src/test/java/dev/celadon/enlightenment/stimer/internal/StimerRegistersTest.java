package dev.celadon.enlightenment.stimer.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The CONFIG register's fields and reserved bits, and the timer message's bytes in a SynIC slot. */
class StimerRegistersTest {

    @Test
    void configFieldsDecodeAsLinuxWritesThem() {
        // Linux 6.1 stimer0 in direct mode: enable, auto-enable, vector 0xED, direct.
        StimerConfig c = StimerConfig.decode(1 | 8 | 0xED << 4 | 1 << 12);
        assertTrue(c.enabled());
        assertTrue(c.autoEnable());
        assertTrue(c.direct());
        assertFalse(c.periodic());
        assertEquals(0xED, c.vector());
        // Message mode on SINT2, periodic, lazy.
        StimerConfig m = StimerConfig.decode(1 | 2 | 4 | 2 << 16);
        assertEquals(2, m.sint());
        assertTrue(m.periodic());
        assertFalse(m.direct());
        assertEquals(m.raw() & ~1L, m.withEnable(false).raw());
    }

    @Test
    void reservedBitsAndUnusableVectorsTakeGp() {
        for (long bit : new long[] {1 << 13, 1 << 14, 1 << 15, 1 << 20, 1L << 32, 1L << 63}) {
            assertThrows(GeneralProtectionFault.class, () -> StimerConfig.decode(bit | 1), Long.toHexString(bit));
        }
        assertThrows(GeneralProtectionFault.class, () -> StimerConfig.decode(1 | 1 << 12 | 15 << 4), "vector 15");
        StimerConfig.decode(1 << 12 | 15 << 4); // a disabled timer may hold any vector
        StimerConfig.decode(1 | 1 << 12 | 16 << 4);
    }

    @Test
    void theTimerMessageHasTheTlfsLayout() {
        SynicMessage m = TimerExpiredMessage.of(3, 0x1122334455667788L, 0x0102030405060708L);
        assertEquals(0x80000010, m.type().value());
        assertEquals(0, m.sender());
        byte[] slot = m.encode();
        ByteBuffer b = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x80000010, b.getInt(0));
        assertEquals(24, b.get(4));
        assertEquals(3, b.getInt(16));
        assertEquals(0, b.getInt(20));
        assertEquals(0x1122334455667788L, b.getLong(24));
        assertEquals(0x0102030405060708L, b.getLong(32));
        assertArrayEquals(new byte[256 - 40], java.util.Arrays.copyOfRange(slot, 40, 256));
    }
}
