package dev.celadon.storvsc;

import dev.celadon.storage.Lun;
import dev.celadon.storage.ScsiOpcode;
import dev.celadon.storage.StorageBackend;
import dev.celadon.storage.vstor.NtStatus;
import dev.celadon.storage.vstor.SrbStatus;
import dev.celadon.storage.vstor.VmscsiRequest;
import dev.celadon.storage.vstor.VstorOperation;
import dev.celadon.storage.vstor.VstorPacket;
import dev.celadon.storvsp.StorageVsp;
import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VirtualDisk;
import dev.celadon.vmbus.GpaDirect;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import dev.celadon.vmbus.server.ChannelInfo;
import dev.celadon.vmbus.server.GuestLoopback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A hostile guest on controller A while controller B does real I/O after every attack: malformed SRBs fail that
 * request with a logged reason, packets that are not storvsc packets close A's channel (B unaffected, A can be
 * re-opened and initialised again).
 */
class HostileStorageGuestTest {
    @TempDir
    Path dir;
    GuestLoopback loop;
    VirtualDisk diskA;
    VirtualDisk diskB;
    Controller a;
    Controller b;
    final Random rnd = new Random(99);
    long tid = 0x1000;

    @BeforeEach
    void setUp() throws Exception {
        loop = new GuestLoopback(16 << 20);
        Vhd.create(dir.resolve("a.vhd"), 4 << 20, Vhd.Type.FIXED, null);
        Vhd.create(dir.resolve("b.vhd"), 4 << 20, Vhd.Type.DYNAMIC, null);
        diskA = Vhd.open(dir.resolve("a.vhd"), false);
        diskB = Vhd.open(dir.resolve("b.vhd"), false);
        StorageVsp vspA = Controller.offer(loop, List.of(Lun.of(0, StorageBackend.of(diskA))));
        StorageVsp vspB = Controller.offer(loop, List.of(Lun.of(0, StorageBackend.of(diskB))));
        loop.connect();
        a = Controller.open(loop, vspA);
        b = Controller.open(loop, vspB);
        b.vsc.initialize();
    }

    @AfterEach
    void tearDown() throws Exception {
        loop.close();
        diskA.close();
        diskB.close();
    }

    /** B still does I/O: a write and its read-back. */
    private void bWorks() throws Exception {
        byte[] d = new byte[4096];
        rnd.nextBytes(d);
        long lba = rnd.nextInt(8000);
        b.vsc.write(0, lba, d, 512);
        assertArrayEquals(d, b.vsc.read(0, lba, 8, 512));
        assertEquals(ChannelInfo.State.OPEN, b.channel.state());
        assertTrue(b.vsp.events().isEmpty(), b.vsp.events().toString());
    }

    private VstorPacket call(VmPacket p) throws Exception {
        a.channel.send(p);
        VmPacket r = a.channel.receive(5000);
        assertNotNull(r, "no completion for " + p);
        assertEquals(VmPacketType.COMPLETION, r.type());
        assertEquals(p.transactionId(), r.transactionId());
        assertEquals(VstorPacket.SIZE, r.data().length, "every reply is 64 bytes (80 with the descriptor)");
        VstorPacket v = VstorPacket.decode(r.data());
        assertEquals(VstorOperation.COMPLETE_IO, v.operation());
        return v;
    }

    private VmPacket inband(byte[] data) {
        return VmPacket.inband(VmPacketType.FLAG_COMPLETION_REQUESTED, tid++, data);
    }

    private VmPacket gpaDirect(byte[] data, GpaDirect.Range... ranges) {
        return new VmPacket(VmPacketType.DATA_USING_GPA_DIRECT, VmPacketType.FLAG_COMPLETION_REQUESTED, tid++,
                GpaDirect.encode(List.of(ranges)), data);
    }

    private static VmscsiRequest read16(long lba, int blocks, int dtl) {
        return VmscsiRequest.of(0, 0, 0, StorageVsc.rw16(ScsiOpcode.READ_16, lba, blocks), VmscsiRequest.READ_TYPE, dtl);
    }

    private String lastEvent() {
        List<String> e = a.vsp.events();
        assertFalse(e.isEmpty(), "no event logged");
        return e.get(e.size() - 1);
    }

    private void assertInvalidRequest(VstorPacket reply, String reasonPart) {
        VmscsiRequest srb = VmscsiRequest.decode(reply);
        assertEquals(SrbStatus.INVALID_REQUEST, srb.srbStatus());
        assertEquals(0, srb.dataTransferLength());
        assertTrue(lastEvent().contains(reasonPart), lastEvent());
    }

    @Test
    void operationsBeforeInitialisationFailTheRequest() throws Exception {
        VstorPacket r = call(inband(read16(0, 1, 512).toPacket().encode()));
        assertEquals(NtStatus.INVALID_DEVICE_STATE, r.status());
        assertInvalidRequest(r, "EXECUTE_SRB before END_INITIALIZATION");
        assertEquals(NtStatus.INVALID_DEVICE_STATE, call(inband(VstorPacket.request(VstorOperation.QUERY_PROPERTIES).encode())).status());
        assertTrue(lastEvent().contains("QUERY_PROPERTIES in state NEW"), lastEvent());
        assertEquals(NtStatus.INVALID_DEVICE_STATE, call(inband(VstorPacket.request(VstorOperation.END_INITIALIZATION).encode())).status());
        bWorks();
        // Out-of-order steps left the session usable: Linux's sequence still works on it.
        assertEquals(0x0602, a.vsc.initialize());
        a.vsc.testUnitReady(0);
    }

    @Test
    void duplicateInitialisationIsRefusedAndTheSessionKept() throws Exception {
        a.vsc.initialize();
        VstorPacket r = call(inband(VstorPacket.request(VstorOperation.BEGIN_INITIALIZATION).encode()));
        assertEquals(NtStatus.INVALID_DEVICE_STATE, r.status());
        assertTrue(lastEvent().contains("duplicate BEGIN_INITIALIZATION"), lastEvent());
        assertNotEquals(0, call(inband(VstorPacket.queryVersion(0x0602).encode())).status());
        assertThrows(StorvscException.class, () -> a.vsc.initialize());
        a.vsc.testUnitReady(0);
        assertNotEquals(0, call(inband(VstorPacket.queryVersion(0x0402).encode())).status(), "win7 never accepted");
        assertEquals(NtStatus.NOT_SUPPORTED, call(inband(VstorPacket.request(VstorOperation.CREATE_SUB_CHANNELS).encode())).status());
        assertEquals(NtStatus.NOT_SUPPORTED, call(inband(VstorPacket.request(VstorOperation.FCHBA_DATA).encode())).status());
        assertEquals(NtStatus.INVALID_PARAMETER, call(inband(VstorPacket.request(VstorOperation.ENUMERATE_BUS).encode())).status());
        assertEquals(NtStatus.INVALID_PARAMETER, call(inband(VstorPacket.request(0x7777).encode())).status());
        assertEquals(NtStatus.SUCCESS, call(inband(VstorPacket.request(VstorOperation.RESET_BUS).encode())).status());
        bWorks();
    }

    @Test
    void absurdLengthsAndPagesFailTheRequest() throws Exception {
        a.vsc.initialize();
        long page = a.bufferPfns[0];
        // data_transfer_length far beyond max_transfer_bytes.
        assertInvalidRequest(call(gpaDirect(read16(0, 8, -1).toPacket().encode(),
                new GpaDirect.Range(4096, 0, new long[] {page}))), "exceeds max_transfer_bytes");
        // data_transfer_length beyond the page list.
        assertInvalidRequest(call(gpaDirect(read16(0, 16, 8192).toPacket().encode(),
                new GpaDirect.Range(4096, 0, new long[] {page}))), "exceeds the 4096 bytes of the page list");
        // Pages outside RAM (beyond the 16 MiB, and beyond 52 address bits); the guest page given first is untouched.
        byte[] before = loop.memory.peek(page * 4096, 4096);
        assertInvalidRequest(call(gpaDirect(read16(0, 16, 8192).toPacket().encode(),
                new GpaDirect.Range(8192, 0, new long[] {page, 0x1_0000_0000L}))), "is not guest RAM");
        assertInvalidRequest(call(gpaDirect(read16(0, 1, 512).toPacket().encode(),
                new GpaDirect.Range(512, 0, new long[] {-1L}))), "is not guest RAM");
        assertArrayEquals(before, loop.memory.peek(page * 4096, 4096));
        // A write whose second page is outside RAM changes nothing on the disk.
        byte[] ones = new byte[8192];
        Arrays.fill(ones, (byte) 1);
        loop.memory.poke(page * 4096, Arrays.copyOf(ones, 4096));
        VmscsiRequest w = VmscsiRequest.of(0, 0, 0, StorageVsc.rw16(ScsiOpcode.WRITE_16, 0, 16), VmscsiRequest.WRITE_TYPE, 8192);
        assertInvalidRequest(call(gpaDirect(w.toPacket().encode(), new GpaDirect.Range(8192, 0,
                new long[] {page, (16L << 20) / 4096}))), "is not guest RAM");
        assertArrayEquals(new byte[8192], a.vsc.read(0, 0, 16, 512));
        // Data without a page list; a bad range header; READ longer than its buffer; direction reversed.
        assertInvalidRequest(call(inband(read16(0, 1, 512).toPacket().encode())), "no page list");
        VmPacket noRanges = new VmPacket(VmPacketType.DATA_USING_GPA_DIRECT, 1, tid++, new byte[8],
                read16(0, 1, 512).toPacket().encode());
        assertInvalidRequest(call(noRanges), "rangecount");
        assertInvalidRequest(call(gpaDirect(read16(0, 1, 512).toPacket().encode(),
                new GpaDirect.Range(512, 4096, new long[] {page}))), "offset");
        call(gpaDirect(read16(0, 16, 4096).toPacket().encode(), new GpaDirect.Range(4096, 0, new long[] {page})));
        assertTrue(lastEvent().contains("does not fit the command"), lastEvent());
        VmscsiRequest reversed = VmscsiRequest.of(0, 0, 0, StorageVsc.rw16(ScsiOpcode.READ_16, 0, 1), VmscsiRequest.WRITE_TYPE, 512);
        assertInvalidRequest(call(gpaDirect(reversed.toPacket().encode(), new GpaDirect.Range(512, 0, new long[] {page}))),
                "does not fit");
        // SRB fields out of range.
        VmscsiRequest ok = read16(0, 1, 0);
        assertInvalidRequest(call(inband(new VmscsiRequest(36, 0, 0, 0, 0, 0, 0, 16, 20, 2, 0, ok.cdbOrSense(), 0, 0, 0, 60)
                .toPacket().encode())), "vm_srb.length 36");
        assertInvalidRequest(call(inband(new VmscsiRequest(52, 0, 0, 0, 0, 0, 0, 17, 20, 2, 0, ok.cdbOrSense(), 0, 0, 0, 60)
                .toPacket().encode())), "cdb_length 17");
        assertInvalidRequest(call(inband(new VmscsiRequest(52, 0, 0, 0, 0, 0, 0, 16, 20, 7, 0, ok.cdbOrSense(), 0, 0, 0, 60)
                .toPacket().encode())), "data_in 7");
        assertEquals(ChannelInfo.State.OPEN, a.channel.state());
        a.vsc.testUnitReady(0);
        bWorks();
    }

    @Test
    void packetsThatAreNotStorvscPacketsCloseTheChannel() throws Exception {
        a.vsc.initialize();
        byte[][] bad = {new byte[8], Arrays.copyOf(read16(0, 1, 0).toPacket().encode(), 40)};
        for (byte[] data : bad) {
            if (data.length >= 16) {
                data[0] = VstorOperation.EXECUTE_SRB;
            }
            a.channel.send(inband(data));
            awaitFailed();
            String reason = a.channel.closeReason();
            assertTrue(reason.startsWith("storvsp: "), reason);
            assertTrue(reason.contains(data.length < 16 ? "shorter than 16" : "EXECUTE_SRB of 40 bytes"), reason);
            bWorks();
            a.channel.reopen();
            assertEquals(0x0602, a.vsc.initialize(), "a new session after the re-open");
            a.vsc.testUnitReady(0);
        }
        a.channel.send(new VmPacket(VmPacketType.DATA_USING_GPADL, 1, tid++, new byte[8], new byte[64]));
        awaitFailed();
        assertTrue(a.channel.closeReason().contains("not a storvsc request"), a.channel.closeReason());
        bWorks();
    }

    private void awaitFailed() throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (a.channel.state() != ChannelInfo.State.FAILED) {
            assertTrue(System.nanoTime() < end, "channel not closed");
            Thread.sleep(5);
        }
    }
}
