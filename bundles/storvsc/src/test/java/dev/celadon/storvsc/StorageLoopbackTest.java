package dev.celadon.storvsc;

import dev.celadon.storage.Lun;
import dev.celadon.storage.ScsiOpcode;
import dev.celadon.storage.Sense;
import dev.celadon.storage.StorageBackend;
import dev.celadon.storage.vstor.SrbStatus;
import dev.celadon.storage.vstor.VmscsiRequest;
import dev.celadon.storage.vstor.VstorVersion;
import dev.celadon.storvsp.StorageVsp;
import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VirtualDisk;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.server.GuestLoopback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The Java storage VSC against the storage VSP over real VMBus rings in loopback guest memory. */
class StorageLoopbackTest {
    @TempDir
    Path dir;
    GuestLoopback loop;
    final List<VirtualDisk> disks = new ArrayList<>();

    @BeforeEach
    void setUp() {
        loop = new GuestLoopback(16 << 20);
    }

    @AfterEach
    void tearDown() throws Exception {
        loop.close();
        for (VirtualDisk d : disks) {
            d.close();
        }
    }

    private Lun lun(int n, Disks.Kind kind, boolean readOnly, byte[] shadow) throws Exception {
        Path p = Disks.create(dir, "d" + n + "." + kind, kind, shadow);
        VirtualDisk d = Disks.open(p, kind, readOnly);
        disks.add(d);
        return new Lun(n, StorageBackend.of(d), "disk-" + n);
    }

    private Controller ready(List<Lun> luns) throws Exception {
        StorageVsp vsp = Controller.offer(loop, luns);
        loop.connect();
        Controller c = Controller.open(loop, vsp);
        assertEquals(VstorVersion.WIN10, c.vsc.initialize());
        return c;
    }

    @Test
    void initialisesAsLinuxDoes() throws Exception {
        Controller c = ready(List.of(lun(0, Disks.Kind.FIXED, false, new byte[(int) Disks.SIZE])));
        assertEquals(VstorVersion.WIN10, c.vsp.version());
        assertTrue(c.vsp.ready());
        assertEquals(StorageVsp.DEFAULT_MAX_TRANSFER_BYTES, c.vsc.properties().maxTransferBytes());
        assertFalse(c.vsc.properties().multiChannel());
        assertEquals(0, c.vsc.properties().maxChannelCount());
        assertTrue(c.vsp.events().isEmpty(), c.vsp.events().toString());
    }

    @Test
    void inquiryVpdReportLunsCapacityModeSense() throws Exception {
        Controller c = ready(List.of(lun(0, Disks.Kind.FIXED, false, new byte[(int) Disks.SIZE]),
                lun(1, Disks.Kind.DYNAMIC, true, new byte[(int) Disks.SIZE]),
                lun(5, Disks.Kind.RAW, false, new byte[(int) Disks.SIZE])));
        StorageVsc v = c.vsc;
        byte[] std = v.inquiry(0, -1, 96);
        assertEquals(36, std.length);
        assertEquals(0x00, std[0]);
        assertEquals(0x05, std[2]);
        assertEquals("Celadon Virtual Disk    1.0 ", new String(std, 8, 28, StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {0, 0, 0, 6, 0x00, (byte) 0x80, (byte) 0x83, (byte) 0xB0, (byte) 0xB1, (byte) 0xB2},
                v.inquiry(0, 0x00, 255));
        byte[] serial = v.inquiry(1, 0x80, 255);
        assertEquals("disk-1", new String(serial, 4, serial[3], StandardCharsets.US_ASCII));
        byte[] id = v.inquiry(5, 0x83, 255);
        assertEquals(1, id[5] & 0xF, "T10 vendor ID designator");
        String wwid = new String(id, 8, id[7], StandardCharsets.US_ASCII);
        assertTrue(wwid.startsWith("Celadon ") && wwid.endsWith("-5"), wwid);
        byte[] limits = v.inquiry(0, 0xB0, 64);
        assertEquals(StorageVsp.DEFAULT_MAX_TRANSFER_BYTES / 512, ByteBuffer.wrap(limits).getInt(8));
        assertEquals(1, ByteBuffer.wrap(v.inquiry(0, 0xB1, 64)).getShort(4), "non-rotating");
        assertEquals(8, v.inquiry(0, 0xB2, 64).length);
        // Absent LUN: INQUIRY answers "no device" (PQ 3, type 0x1F), as Linux forces INQUIRY success.
        assertEquals(0x7F, v.inquiry(2, -1, 36)[0] & 0xff);
        assertEquals(List.of(0, 1, 5), v.reportLuns());
        assertEquals(new StorageVsc.Capacity(Disks.SIZE / 512, 512), v.readCapacity16(1));
        assertEquals(new StorageVsc.Capacity(Disks.SIZE / 512, 512), v.readCapacity10(5));
        byte[] ms = v.modeSense6(1, 0x3F, 255);
        assertEquals(ms.length - 1, ms[0] & 0xff);
        assertEquals(0x80, ms[2] & 0x80, "read-only LUN: WP");
        assertEquals(0, v.modeSense6(0, 0x08, 255)[2] & 0x80);
        byte[] caching = v.modeSense6(0, 0x08, 255);
        assertEquals(0x08, caching[4 + 8] & 0x3F, "caching page after the header and block descriptor");
        assertEquals(0x04, caching[4 + 8 + 2] & 0x04, "WCE");
        v.testUnitReady(0);
        v.synchronizeCache(0);
        assertTrue(c.vsp.events().isEmpty(), c.vsp.events().toString());
    }

    @ParameterizedTest
    @EnumSource(Disks.Kind.class)
    void readWriteFlushOnEveryKind(Disks.Kind kind) throws Exception {
        byte[] shadow = new byte[(int) Disks.SIZE];
        Path file = Disks.create(dir, "disk." + kind, kind, shadow);
        VirtualDisk disk = Disks.open(file, kind, false);
        Controller c = ready(List.of(new Lun(0, StorageBackend.of(disk), "rw")));
        Random rnd = new Random(kind.ordinal() * 31L + 1);
        for (int i = 0; i < 40; i++) {
            int blocks = 1 + rnd.nextInt(i % 5 == 0 ? 2048 : 16); // up to the 1 MiB transfer limit
            long lba = rnd.nextInt((int) (Disks.SIZE / 512) - blocks + 1);
            c.vsc.bufferOffset(i % 3 == 0 ? 0 : 512 * rnd.nextInt(8));
            if (blocks * 512 > c.vsc.bufferBytes()) {
                blocks = c.vsc.bufferBytes() / 512;
            }
            byte[] data = new byte[blocks * 512];
            rnd.nextBytes(data);
            if (i % 2 == 0) {
                c.vsc.write(0, lba, data, 512);
            } else {
                byte[] cdb = StorageVsc.rw10(ScsiOpcode.WRITE_10, lba, blocks);
                ScsiCompletion w = c.vsc.execute(0, 0, 0, cdb, VmscsiRequest.WRITE_TYPE, data, data.length);
                assertTrue(w.good(), w.toString());
                assertEquals(data.length, w.transferred());
            }
            System.arraycopy(data, 0, shadow, (int) (lba * 512), data.length);
            // Read back an overlapping window with the other CDB size.
            long from = Math.max(0, lba - 3);
            int n = (int) Math.min(blocks + 6, Disks.SIZE / 512 - from);
            n = Math.min(n, c.vsc.bufferBytes() / 512);
            byte[] got = i % 2 == 0 ? c.vsc.read(0, from, n, 512)
                    : c.vsc.execute(0, 0, 0, StorageVsc.rw10(ScsiOpcode.READ_10, from, n), VmscsiRequest.READ_TYPE,
                    null, n * 512).data();
            assertArrayEquals(Arrays.copyOfRange(shadow, (int) (from * 512), (int) (from * 512) + n * 512), got,
                    "read back " + i);
        }
        c.vsc.synchronizeCache(0);
        disk.close();
        // What is in the file: our reader, and qemu-img's raw conversion where qemu-img is installed.
        try (VirtualDisk again = Disks.open(file, kind, true)) {
            byte[] all = new byte[(int) Disks.SIZE];
            again.read(0, all);
            assertArrayEquals(shadow, all, "the disk file after the guest's writes");
        }
        assertTrue(kind == Disks.Kind.RAW || Vhd.check(file).isEmpty(), () -> "check: " + checkQuietly(file));
        Path qemu = Disks.qemuImg();
        if (qemu != null && kind != Disks.Kind.DIFFERENCING) { // qemu 7.2 reads no VHD parent (bundles/vhd README)
            Path raw = dir.resolve("out-" + kind + ".raw");
            Disks.qemuConvert(qemu, file, kind == Disks.Kind.RAW ? "raw" : "vpc", raw);
            assertArrayEquals(shadow, Files.readAllBytes(raw), "qemu-img convert -O raw");
        } else if (qemu == null) {
            System.out.println("readWriteFlushOnEveryKind(" + kind + "): qemu-img not installed"
                    + " (apt-get install qemu-utils); checked with our reader only");
        }
        assertTrue(c.vsp.events().isEmpty(), c.vsp.events().toString());
    }

    private static String checkQuietly(Path f) {
        try {
            return Vhd.check(f).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void errorsAreSenseData() throws Exception {
        Controller c = ready(List.of(lun(0, Disks.Kind.FIXED, false, new byte[(int) Disks.SIZE]),
                lun(1, Disks.Kind.DYNAMIC, true, new byte[(int) Disks.SIZE])));
        long blocks = Disks.SIZE / 512;
        ScsiException e = assertThrows(ScsiException.class, () -> c.vsc.read(0, blocks - 1, 2, 512));
        assertEquals(Sense.LBA_OUT_OF_RANGE, e.sense());
        assertEquals(SrbStatus.ERROR | SrbStatus.AUTOSENSE_VALID, e.completion().srbStatus());
        assertEquals(ScsiCompletion.CHECK_CONDITION, e.completion().scsiStatus());
        assertEquals(0, e.completion().transferred());
        e = assertThrows(ScsiException.class, () -> c.vsc.read(0, Long.MAX_VALUE, 1, 512));
        assertEquals(Sense.LBA_OUT_OF_RANGE, e.sense());
        e = assertThrows(ScsiException.class, () -> c.vsc.write(1, 0, new byte[4096], 512));
        assertEquals(Sense.WRITE_PROTECTED, e.sense());
        assertEquals(Sense.KEY_DATA_PROTECT, e.sense().key());
        assertArrayEquals(new byte[4096], c.vsc.read(1, 0, 8, 512), "read-only disk unchanged");
        ScsiCompletion u = c.vsc.execute(0, 0, 0, new byte[] {(byte) 0xC7, 0, 0, 0, 0, 0}, VmscsiRequest.UNKNOWN_TYPE,
                null, 0);
        assertEquals(Sense.INVALID_OPCODE, u.sense());
        ScsiCompletion unmap = c.vsc.execute(0, 0, 0, new byte[10], VmscsiRequest.UNKNOWN_TYPE, null, 0);
        assertTrue(unmap.good(), "TEST UNIT READY with a 10-byte CDB length is fine");
        byte[] um = new byte[10];
        um[0] = ScsiOpcode.UNMAP;
        assertEquals(Sense.INVALID_OPCODE, c.vsc.execute(0, 0, 0, um, VmscsiRequest.UNKNOWN_TYPE, null, 0).sense(),
                "UNMAP is not advertised");
        ScsiCompletion vpd = c.vsc.execute(0, 0, 0, new byte[] {ScsiOpcode.INQUIRY, 1, (byte) 0x89, 0, (byte) 255, 0},
                VmscsiRequest.READ_TYPE, null, 255);
        assertEquals(Sense.INVALID_FIELD_IN_CDB, vpd.sense(), "VPD page 0x89 (ATA) is not there");
        ScsiCompletion absent = c.vsc.execute(0, 0, 9, new byte[6], VmscsiRequest.UNKNOWN_TYPE, null, 0);
        assertEquals(SrbStatus.INVALID_LUN, SrbStatus.code(absent.srbStatus()));
        assertEquals(Sense.LUN_NOT_SUPPORTED, absent.sense());
        ScsiCompletion target1 = c.vsc.execute(0, 1, 0, new byte[6], VmscsiRequest.UNKNOWN_TYPE, null, 0);
        assertEquals(SrbStatus.INVALID_LUN, SrbStatus.code(target1.srbStatus()));
        byte[] ms = {ScsiOpcode.MODE_SENSE_6, 0, (byte) 0xC8, 0, (byte) 255, 0};
        assertEquals(Sense.SAVING_PARAMETERS_NOT_SUPPORTED,
                c.vsc.execute(0, 0, 0, ms, VmscsiRequest.READ_TYPE, null, 255).sense());
        // The channel keeps working after every error.
        byte[] d = new byte[8192];
        new Random(3).nextBytes(d);
        c.vsc.write(0, 100, d, 512);
        assertArrayEquals(d, c.vsc.read(0, 100, 16, 512));
        assertTrue(c.vsp.events().isEmpty(), "SCSI errors are answers, not violations: " + c.vsp.events());
    }

    @Test
    void bytesLandInTheGuestPagesNamed() throws Exception {
        byte[] shadow = new byte[(int) Disks.SIZE];
        Controller c = ready(List.of(lun(0, Disks.Kind.FIXED, false, shadow)));
        byte[] data = new byte[3 * 4096];
        new Random(11).nextBytes(data);
        c.vsc.bufferOffset(1000);
        c.vsc.write(0, 40, data, 512);
        // Read into the buffer, then look at the guest pages themselves: 1000 bytes into the first page, then
        // the following (descending, non-contiguous) page numbers.
        c.vsc.read(0, 40, data.length / 512, 512);
        long[] pfns = c.bufferPfns;
        assertArrayEquals(Arrays.copyOfRange(data, 0, 4096 - 1000), loop.memory.peek(pfns[0] * Gpadl.PAGE_SIZE + 1000, 4096 - 1000));
        assertArrayEquals(Arrays.copyOfRange(data, 4096 - 1000, 2 * 4096 - 1000), loop.memory.peek(pfns[1] * Gpadl.PAGE_SIZE, 4096));
        assertArrayEquals(Arrays.copyOfRange(data, 3 * 4096 - 1000, 3 * 4096), loop.memory.peek(pfns[3] * Gpadl.PAGE_SIZE, 1000));
        assertEquals((byte) 0xCC, loop.memory.peek(pfns[3] * Gpadl.PAGE_SIZE + 1000, 1)[0], "nothing past the buffer");
    }
}
