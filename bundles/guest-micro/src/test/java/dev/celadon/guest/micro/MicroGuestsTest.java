package dev.celadon.guest.micro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MicroGuestsTest {

    @Test
    void everyGuestIsAnX8664ElfWithAPvhEntryNote() {
        assertEquals(java.util.List.of("bench", "demo", "faulty"), java.util.List.copyOf(MicroGuests.names()));
        for (String name : MicroGuests.names()) {
            byte[] elf = MicroGuests.image(name);
            ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x464C457F, b.getInt(0), name + " is not an ELF");
            assertEquals(2, elf[4], name + " is not ELF64");
            assertEquals(62, b.getShort(18), name + " is not x86-64");
            long phoff = b.getLong(32);
            int phentsize = b.getShort(54), phnum = b.getShort(56);
            long entry = -1;
            for (int i = 0; i < phnum; i++) {
                int ph = (int) (phoff + (long) i * phentsize);
                if (b.getInt(ph) == 4) { // PT_NOTE
                    int off = (int) b.getLong(ph + 8);
                    int namesz = b.getInt(off), type = b.getInt(off + 8);
                    String owner = new String(elf, off + 12, namesz - 1, StandardCharsets.US_ASCII);
                    if (owner.equals("Xen") && type == 18) {
                        entry = Integer.toUnsignedLong(b.getInt(off + 12 + ((namesz + 3) & ~3)));
                    }
                }
            }
            assertTrue(entry >= 0x100000 && entry < 0x200000, name + ": PVH entry " + Long.toHexString(entry));
        }
    }

    @Test
    void anUnknownNameSaysWhichExist() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MicroGuests.image("windows"));
        assertTrue(e.getMessage().contains("demo"), e.getMessage());
    }
}
