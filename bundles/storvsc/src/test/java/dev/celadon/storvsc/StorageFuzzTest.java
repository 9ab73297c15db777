package dev.celadon.storvsc;

import dev.celadon.storage.Lun;
import dev.celadon.storage.ScsiOpcode;
import dev.celadon.storage.StorageBackend;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded random storvsc packets against a controller (count: system property {@code storvsp.fuzz.count},
 * default 20,000; seed {@code storvsp.fuzz.seed}): mostly plausible SRBs with random CDBs, directions, lengths
 * and page lists (some outside RAM), the other operations in any order, and now and then bytes that are no
 * storvsc packet. Each input must be answered by a well-formed 64-byte COMPLETE_IO with its transaction id, or
 * close the channel with a reason; the channel is then re-opened. A second controller does I/O throughout, and
 * at the end the fuzzed one initialises and reads and writes correctly again. Inputs are pipelined
 * ({@code storvsp.fuzz.batch}, default 16, in the ring at once) so that a long run (bench/fuzz.sh) is not
 * bound by one thread hand-off per input.
 */
public class StorageFuzzTest {
    static final int[] OPCODES = {ScsiOpcode.TEST_UNIT_READY, ScsiOpcode.REQUEST_SENSE, ScsiOpcode.INQUIRY,
            ScsiOpcode.MODE_SENSE_6, ScsiOpcode.MODE_SENSE_10, ScsiOpcode.READ_CAPACITY_10,
            ScsiOpcode.SERVICE_ACTION_IN_16, ScsiOpcode.READ_6, ScsiOpcode.WRITE_6, ScsiOpcode.READ_10,
            ScsiOpcode.WRITE_10, ScsiOpcode.READ_16, ScsiOpcode.WRITE_16, ScsiOpcode.SYNCHRONIZE_CACHE_10,
            ScsiOpcode.SYNCHRONIZE_CACHE_16, ScsiOpcode.REPORT_LUNS, ScsiOpcode.START_STOP_UNIT, ScsiOpcode.UNMAP,
            ScsiOpcode.WRITE_SAME_16, ScsiOpcode.MAINTENANCE_IN};

    @TempDir
    Path dir;

    @Test
    void randomPacketsAreAnsweredOrCloseTheChannel() throws Exception {
        long count = Long.getLong("storvsp.fuzz.count", 20_000);
        long seed = Long.getLong("storvsp.fuzz.seed", 8);
        Random rnd = new Random(seed);
        Vhd.create(dir.resolve("a.vhd"), 4 << 20, Vhd.Type.DYNAMIC, null, 64 << 10);
        Vhd.create(dir.resolve("b.vhd"), 4 << 20, Vhd.Type.FIXED, null);
        try (GuestLoopback loop = new GuestLoopback(16 << 20);
             VirtualDisk da = Vhd.open(dir.resolve("a.vhd"), false);
             VirtualDisk db = Vhd.open(dir.resolve("b.vhd"), false)) {
            loop.memory.recordAccesses(false); // not checked here; millions of inputs would pile them up
            StorageVsp vspA = Controller.offer(loop, List.of(Lun.of(0, StorageBackend.of(da)),
                    Lun.of(3, StorageBackend.of(da, true))));
            StorageVsp vspB = Controller.offer(loop, List.of(Lun.of(0, StorageBackend.of(db))));
            loop.connect();
            Controller a = Controller.open(loop, vspA);
            Controller b = Controller.open(loop, vspB);
            b.vsc.initialize();
            a.vsc.initialize();
            long ramPages = (16 << 20) / 4096;
            TreeMap<String, Integer> outcomes = new TreeMap<>();
            TreeMap<String, Long> reasons = new TreeMap<>();
            int closes = 0;
            long tid = 1;
            // Pipelined: up to BATCH inputs in the ring at once, answered in order (the VSP handles a channel's
            // packets one after another on its worker), so the first unanswered one when the channel closes is
            // the one that closed it; those after it were never read and go again on the reopened channel.
            int batch = Integer.getInteger("storvsp.fuzz.batch", 16);
            List<VmPacket> queue = new ArrayList<>();
            int inRing = 0;
            long generated = 0;
            long t0 = System.nanoTime();
            for (long done = 0; done < count; done++) {
                while (queue.size() < batch && generated < count) {
                    queue.add(input(rnd, tid++, a.bufferPfns, ramPages));
                    generated++;
                }
                try {
                    for (; inRing < queue.size(); inRing++) {
                        a.channel.send(queue.get(inRing));
                    }
                } catch (IllegalStateException full) {
                    // the ring is full: the rest go once the host has read some
                }
                VmPacket p = queue.remove(0);
                inRing--;
                String outcome = await(a, p);
                outcomes.merge(outcome, 1, Integer::sum);
                if (outcome.equals("closed")) {
                    closes++;
                    String reason = a.channel.closeReason();
                    long at = done;
                    assertTrue(reason != null && reason.startsWith("storvsp: "), () -> "input " + at + ": " + reason);
                    reasons.merge(reasonKey(reason), 1L, Long::sum);
                    a.channel.reopen();
                    inRing = 0;
                    if (rnd.nextInt(8) != 0) { // mostly a working session again; sometimes pre-init inputs
                        a.vsc.initialize();
                    }
                }
                if (done % 2000 == 1999) {
                    bWorks(b, rnd);
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            bWorks(b, rnd);
            a.channel.reopen();
            assertEquals(0x0602, a.vsc.initialize());
            bWorks(a, rnd);
            assertTrue(b.vsp.events().isEmpty(), b.vsp.events().toString());
            // Every reopen borrowed the controller's one bounce buffer instead of making a new one.
            int buffers = vspA.bufferAllocations();
            assertTrue(closes > 0 && buffers == 1, closes + " reopens made " + buffers + " bounce buffers");
            StringBuilder top = new StringBuilder();
            reasons.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(25)
                    .forEach(e -> top.append("\n    ").append(e.getValue()).append("  ").append(e.getKey()));
            System.out.printf("storage fuzz: seed %d, %d inputs, %d channel closes, %d logged refusals, host failures 0,"
                    + " %d bounce buffer(s) made, %d ms (%.0f inputs/s); outcomes %s; closes by reason:%s%n", seed, count, closes,
                    vspA.eventCount(), buffers, ms, count * 1000.0 / Math.max(1, ms), outcomes, top);
        }
    }

    private static void bWorks(Controller c, Random rnd) throws Exception {
        byte[] d = new byte[8192];
        rnd.nextBytes(d);
        long lba = rnd.nextInt(8000);
        c.vsc.write(0, lba, d, 512);
        assertArrayEquals(d, c.vsc.read(0, lba, 16, 512));
    }

    /** Waits for the completion of {@code p} or for the channel to close; returns what happened. */
    private static String await(Controller a, VmPacket p) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            // A closed channel signals nothing: poll its state every millisecond rather than wait long for a reply.
            VmPacket r = a.channel.receive(1);
            boolean failed = r == null && a.channel.state() == ChannelInfo.State.FAILED;
            if (failed) {
                // The worker may have answered p and then failed on a later input between our look at the
                // ring and our look at the state: look at the ring once more before blaming p.
                r = a.channel.receive(0);
            }
            if (r != null) {
                assertEquals(VmPacketType.COMPLETION, r.type(), "reply to " + p);
                assertEquals(p.transactionId(), r.transactionId(), "reply to " + p);
                assertEquals(VstorPacket.SIZE, r.data().length, "reply to " + p);
                VstorPacket v = VstorPacket.decode(r.data());
                assertEquals(VstorOperation.COMPLETE_IO, v.operation(), "reply to " + p);
                VstorPacket req = VstorPacket.decode(padded(p.data()));
                if (req.operation() == VstorOperation.EXECUTE_SRB && v.status() == 0) {
                    VmscsiRequest srb = VmscsiRequest.decode(v);
                    assertTrue(srb.dataTransferLength() <= VmscsiRequest.decode(req).dataTransferLength(),
                            "moved more than asked: " + p);
                    return "EXECUTE_SRB srb " + String.format("0x%02X", srb.srbStatus());
                }
                String op = req.operation() >= 1 && req.operation() <= 13 ? VstorOperation.name(req.operation()) : "other";
                return op + String.format(" status 0x%X", v.status());
            }
            if (failed) {
                return "closed";
            }
        }
        throw new AssertionError("no reply and no close for " + p);
    }

    /** A close reason with its numbers taken out, so that closes of one kind count together. */
    static String reasonKey(String reason) {
        String k = reason.replaceAll("0x[0-9a-fA-F]+", "#").replaceAll("\\d+", "#");
        return k.length() > 90 ? k.substring(0, 90) : k;
    }

    private static byte[] padded(byte[] d) {
        return d.length >= VstorPacket.MIN_SIZE ? d : java.util.Arrays.copyOf(d, VstorPacket.MIN_SIZE);
    }

    /** One input of the corpus (also replayed by the management tests against a VSP next to a Linux guest). */
    public static VmPacket input(Random rnd, long tid, long[] buffer, long ramPages) {
        int kind = rnd.nextInt(100);
        if (kind < 1) {
            // Not a storvsc packet: short data, or another VMBus type.
            byte[] junk = new byte[rnd.nextInt(16)];
            rnd.nextBytes(junk);
            return rnd.nextBoolean() ? VmPacket.inband(1, tid, junk)
                    : new VmPacket(VmPacketType.DATA_USING_XFER_PAGES, 1, tid, new byte[16], new byte[64]);
        }
        if (kind < 15) {
            int op = rnd.nextInt(10) == 0 ? rnd.nextInt() : 1 + rnd.nextInt(14);
            VstorPacket v = VstorPacket.request(op);
            if (op == VstorOperation.QUERY_PROTOCOL_VERSION || rnd.nextInt(4) == 0) {
                v = new VstorPacket(op, rnd.nextInt(3), rnd.nextInt(2), VstorPacket.queryVersion(
                        rnd.nextBoolean() ? new int[] {0x0602, 0x0600, 0x0501, 0x0402}[rnd.nextInt(4)] : rnd.nextInt(0x10000)).body());
            }
            return VmPacket.inband(1, tid, v.encode());
        }
        // An SRB.
        int opcode = rnd.nextInt(8) == 0 ? rnd.nextInt(256) : OPCODES[rnd.nextInt(OPCODES.length)];
        byte[] cdb = new byte[1 + rnd.nextInt(16)];
        rnd.nextBytes(cdb);
        cdb[0] = (byte) opcode;
        if (rnd.nextInt(3) > 0 && cdb.length > 9) {
            // Mostly small LBAs and counts, so I/O often reaches the disk.
            for (int i = 2; i < Math.min(cdb.length, 10); i++) {
                cdb[i] = i < 8 ? 0 : cdb[i];
            }
            if (cdb.length >= 14 && (opcode == ScsiOpcode.READ_16 || opcode == ScsiOpcode.WRITE_16)) {
                cdb[10] = cdb[11] = cdb[12] = 0;
            }
            cdb[1] &= 0x1F;
        }
        int dtl = switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt();
            case 2 -> 512 * (1 + rnd.nextInt(64));
            default -> 1 + rnd.nextInt(4096);
        };
        boolean writes = opcode == ScsiOpcode.WRITE_6 || opcode == ScsiOpcode.WRITE_10 || opcode == ScsiOpcode.WRITE_16;
        // Mostly the direction the command moves (as Linux sets it), else anything.
        int dataIn = rnd.nextInt(5) == 0 ? (rnd.nextInt(10) == 0 ? rnd.nextInt(256) : rnd.nextInt(3))
                : dtl == 0 ? VmscsiRequest.UNKNOWN_TYPE : writes ? VmscsiRequest.WRITE_TYPE : VmscsiRequest.READ_TYPE;
        VmscsiRequest srb = VmscsiRequest.of(rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0,
                rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0, rnd.nextInt(4) == 0 ? rnd.nextInt(256) : rnd.nextInt(4),
                cdb, dataIn & 0xff, dtl);
        if (rnd.nextInt(20) == 0) {
            srb = new VmscsiRequest(rnd.nextInt(0x10000), 0, 0, 0, 0, 0, 0, rnd.nextInt(256), rnd.nextInt(256),
                    dataIn, dtl & 0xffff_ffffL, srb.cdbOrSense(), 0, 0, rnd.nextInt(), 60);
        }
        byte[] data = srb.toPacket().encode();
        if (rnd.nextInt(100) == 0) {
            data = java.util.Arrays.copyOf(data, rnd.nextInt(64)); // truncated: closes the channel
        }
        if (rnd.nextInt(4) == 0) {
            return VmPacket.inband(1, tid, data);
        }
        List<GpaDirect.Range> ranges = new ArrayList<>();
        int n = rnd.nextInt(12) == 0 ? 2 + rnd.nextInt(3) : 1; // Linux sends one range
        for (int r = 0; r < n; r++) {
            int offset = rnd.nextInt(8) == 0 ? rnd.nextInt(4096) : 0;
            int len = rnd.nextInt(4) > 0 ? Math.max(1, dtl) : 1 + rnd.nextInt(16 * 4096);
            len = (int) Math.min(Math.max(len, 1), 64 * 4096L);
            int pages = (offset + len + 4095) / 4096;
            long[] pfns = new long[pages];
            for (int k = 0; k < pages; k++) {
                int pick = rnd.nextInt(40);
                pfns[k] = pick == 0 ? rnd.nextLong() : pick == 1 ? ramPages + rnd.nextInt(100)
                        : buffer[rnd.nextInt(buffer.length)];
            }
            ranges.add(new GpaDirect.Range(len, offset, pfns));
        }
        byte[] ext = GpaDirect.encode(ranges);
        if (rnd.nextInt(30) == 0) {
            ext[4 + rnd.nextInt(4)] ^= (byte) (1 << rnd.nextInt(8)); // a damaged range count
        }
        return new VmPacket(VmPacketType.DATA_USING_GPA_DIRECT, 1, tid, ext, data);
    }
}
