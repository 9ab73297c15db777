package dev.celadon.hypervisor.core.internal.hyperv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.hyperv.GuestOsId;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.HypercallControl;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The API's protocol types against the TLFS layouts. */
class HvTypesTest {

    @Test
    void guestOsIdDecodesBothLayouts() {
        // Linux 6.1.176 as hyperv_init writes it: (0x8100 << 48) | (LINUX_VERSION_CODE << 16)
        GuestOsId linux = new GuestOsId(0x8100L << 48 | (6L << 16 | 1 << 8 | 176) << 16);
        assertTrue(linux.openSource());
        assertEquals(1, linux.vendorOrType());
        assertEquals("Linux 6.1.176 (os id 0, build 0)", linux.describe());
        // Windows 10 build 19041: vendor 1 (Microsoft), OS id 4, version 10.0, build 0x4A61
        GuestOsId windows = new GuestOsId(1L << 48 | 4L << 40 | 10L << 32 | 19041);
        assertFalse(windows.openSource());
        assertEquals("Microsoft Windows NT 10.0 (Windows 10) sp 0 build 19041 (os id 4)", windows.describe());
        assertEquals(10, windows.majorVersion());
        assertEquals(0, windows.minorVersion());
        // Windows Server 2022 (build 20348), Windows 7 SP1 (6.1, service version 1, build 7601), Windows 11.
        assertEquals("Windows NT 10.0 (Windows Server 2022)",
                new GuestOsId(0x0001_040A_0000_4F7CL).windowsRelease());
        GuestOsId win7 = new GuestOsId(1L << 48 | 4L << 40 | 6L << 32 | 1L << 24 | 1L << 16 | 7601);
        assertEquals("Microsoft Windows NT 6.1 (Windows 7 / Server 2008 R2) sp 1 build 7601 (os id 4)", win7.describe());
        assertEquals("Windows NT 10.0 (Windows 11)", new GuestOsId(1L << 48 | 4L << 40 | 10L << 32 | 22631).windowsRelease());
        assertEquals("Windows CE", new GuestOsId(1L << 48 | 5L << 40 | 7L << 32).windowsRelease());
        // Another vendor in the proprietary layout: numbers only; open source: no Windows release.
        assertEquals("vendor 2 os 1 version 3.4 sp 0 build 5", new GuestOsId(2L << 48 | 1L << 40 | 3L << 32 | 4L << 24 | 5)
                .describe());
        assertEquals("", linux.windowsRelease());
        assertFalse(linux.microsoft());
        assertEquals("none", GuestOsId.NONE.describe());
    }

    @Test
    void hypercallControlFields() {
        HypercallControl c = new HypercallControl(0x5D | 1L << 16 | 3L << 17 | 0x123L << 32 | 0x45L << 48);
        assertEquals(0x5D, c.callCode());
        assertTrue(c.fast());
        assertEquals(3, c.variableHeaderQwords());
        assertEquals(0x123, c.repCount());
        assertEquals(0x45, c.repStart());
        assertEquals(HvStatus.SUCCESS, new HypercallControl(0x1005D).checkSimple(true, true));
        assertEquals(HvStatus.INVALID_HYPERCALL_INPUT, new HypercallControl(0x1005C).checkSimple(false, true));
        for (int bit : new int[] {27, 28, 29, 30, 31, 44, 47, 60, 63}) {
            assertEquals(HvStatus.INVALID_HYPERCALL_INPUT, new HypercallControl(0x5C | 1L << bit).checkSimple(false, true),
                    "bit " + bit);
        }
        assertEquals(0x0000_0007_0000_0012L, HypercallControl.result(HvStatus.INVALID_CONNECTION_ID, 7));
    }

    @Test
    void synicMessageHasTheHvMessageLayout() {
        byte[] payload = new byte[240];
        payload[0] = 1;
        payload[239] = 2;
        byte[] slot = new SynicMessage(HvMessageType.TIMER_EXPIRED, 0x1122334455667788L, payload).encode();
        ByteBuffer b = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(256, slot.length);
        assertEquals(0x80000010, b.getInt(0));
        assertEquals(240, b.get(4) & 0xFF);
        assertEquals(0, b.get(5));
        assertEquals(0x1122334455667788L, b.getLong(8));
        assertEquals(1, slot[16]);
        assertEquals(2, slot[255]);
        assertEquals(new SynicMessage(HvMessageType.TIMER_EXPIRED, 0x1122334455667788L, payload), SynicMessage.decode(slot));
        assertThrows(IllegalArgumentException.class, () -> new SynicMessage(HvMessageType.VMBUS, 0, new byte[241]));
        assertThrows(IllegalArgumentException.class, () -> new SynicMessage(HvMessageType.NONE, 0, new byte[0]));
        slot[4] = (byte) 241;
        assertThrows(IllegalArgumentException.class, () -> SynicMessage.decode(slot));
    }
}
