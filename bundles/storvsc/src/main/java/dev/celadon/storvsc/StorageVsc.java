package dev.celadon.storvsc;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.storage.ScsiOpcode;
import dev.celadon.storage.Sense;
import dev.celadon.storage.vstor.ChannelProperties;
import dev.celadon.storage.vstor.NtStatus;
import dev.celadon.storage.vstor.SrbStatus;
import dev.celadon.storage.vstor.VmscsiRequest;
import dev.celadon.storage.vstor.VstorOperation;
import dev.celadon.storage.vstor.VstorPacket;
import dev.celadon.storage.vstor.VstorVersion;
import dev.celadon.vmbus.GpaDirect;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The guest side of one storvsc channel, one request at a time. {@link #initialize()} runs Linux 6.1's
 * storvsc_channel_init (BEGIN_INITIALIZATION, QUERY_PROTOCOL_VERSION 6.2 then 6.0 then 5.1, QUERY_PROPERTIES,
 * END_INITIALIZATION, each with transaction id {@link VstorOperation#INIT_TRANSACTION_ID}); SCSI commands then
 * go out as EXECUTE_SRB, inband when they move no data and GPA-direct (one range over the VSC's buffer pages)
 * when they do, as storvsc_queuecommand sends them. Every reply is checked: a completion, 64 bytes,
 * COMPLETE_IO, the right transaction id, no more bytes than asked for. Not thread-safe.
 */
public final class StorageVsc {
    public static final long DEFAULT_TIMEOUT_MS = 10_000;

    private final VscChannel channel;
    private final GuestMemory memory;
    private final long[] bufferPfns;
    private long timeoutMillis = DEFAULT_TIMEOUT_MS;
    private int bufferOffset;
    private long nextTransaction = 1;
    private int version;
    private ChannelProperties properties;
    private long hostNotifications;

    /**
     * @param bufferPfns guest pages this VSC owns for data buffers; a transfer may take all of them
     */
    public StorageVsc(VscChannel channel, GuestMemory memory, long[] bufferPfns) {
        if (bufferPfns.length == 0) {
            throw new IllegalArgumentException("no buffer pages");
        }
        this.channel = channel;
        this.memory = memory;
        this.bufferPfns = bufferPfns.clone();
    }

    public void timeoutMillis(long millis) {
        this.timeoutMillis = millis;
    }

    /** Where in the first buffer page data starts (Linux's sg offset); tests use it for unaligned buffers. */
    public void bufferOffset(int offset) {
        if (offset < 0 || offset >= Gpadl.PAGE_SIZE) {
            throw new IllegalArgumentException("offset " + offset);
        }
        this.bufferOffset = offset;
    }

    /** The largest transfer the buffer pages hold. */
    public int bufferBytes() {
        return bufferPfns.length * Gpadl.PAGE_SIZE - bufferOffset;
    }

    /**
     * The initialisation sequence; returns the version the host accepted.
     *
     * @throws StorvscException if a step fails or the host accepts none of Linux's versions
     */
    public int initialize() throws StorvscException, InterruptedException {
        init(VstorPacket.request(VstorOperation.BEGIN_INITIALIZATION), "BEGIN_INITIALIZATION");
        int accepted = 0;
        for (int v : VstorVersion.LINUX_6_1_PROPOSALS) {
            VstorPacket r = initRaw(VstorPacket.queryVersion(v), "QUERY_PROTOCOL_VERSION");
            if (r.status() == NtStatus.SUCCESS) {
                accepted = v;
                break;
            }
        }
        if (accepted == 0) {
            throw new StorvscException("the host accepts none of " + Arrays.toString(VstorVersion.LINUX_6_1_PROPOSALS));
        }
        VstorPacket p = init(VstorPacket.request(VstorOperation.QUERY_PROPERTIES), "QUERY_PROPERTIES");
        ChannelProperties props = ChannelProperties.decode(p);
        if (props.maxTransferBytes() == 0) {
            throw new StorvscException("QUERY_PROPERTIES: max_transfer_bytes 0");
        }
        init(VstorPacket.request(VstorOperation.END_INITIALIZATION), "END_INITIALIZATION");
        version = accepted;
        properties = props;
        return accepted;
    }

    public int version() {
        return version;
    }

    public ChannelProperties properties() {
        return properties;
    }

    /** Host-initiated packets seen (ENUMERATE_BUS, REMOVE_DEVICE with transaction id 0: rescan requests). */
    public long hostNotifications() {
        return hostNotifications;
    }

    private VstorPacket init(VstorPacket request, String what) throws StorvscException, InterruptedException {
        VstorPacket r = initRaw(request, what);
        if (r.status() != NtStatus.SUCCESS) {
            throw new StorvscException(what + ": status 0x" + Integer.toHexString(r.status()));
        }
        return r;
    }

    private VstorPacket initRaw(VstorPacket request, String what) throws StorvscException, InterruptedException {
        return call(VmPacket.inband(VmPacketType.FLAG_COMPLETION_REQUESTED, VstorOperation.INIT_TRANSACTION_ID,
                request.encode()), what);
    }

    /** Sends {@code p} and waits for the completion with its transaction id. */
    private VstorPacket call(VmPacket p, String what) throws StorvscException, InterruptedException {
        channel.send(p);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            VmPacket r = left > 0 ? channel.receive(left) : null;
            if (r == null) {
                throw new StorvscException(what + ": no reply within " + timeoutMillis + " ms");
            }
            if (r.type() == VmPacketType.DATA_INBAND && r.transactionId() == 0) {
                // Linux rescans on these; here they are only counted.
                hostNotifications++;
                continue;
            }
            if (r.type() != VmPacketType.COMPLETION) {
                throw new StorvscException(what + ": host sent " + r + ", not a completion");
            }
            if (r.transactionId() != p.transactionId()) {
                throw new StorvscException(what + ": completion for transaction 0x"
                        + Long.toHexString(r.transactionId()) + ", expected 0x" + Long.toHexString(p.transactionId()));
            }
            if (r.data().length < VstorPacket.SIZE) {
                throw new StorvscException(what + ": reply of " + r.data().length + " bytes, Linux needs "
                        + VstorPacket.SIZE);
            }
            VstorPacket v = VstorPacket.decode(r.data());
            if (v.operation() != VstorOperation.COMPLETE_IO) {
                throw new StorvscException(what + ": reply operation " + VstorOperation.name(v.operation()));
            }
            return v;
        }
    }

    /**
     * Runs one SCSI command on path/target/lun.
     *
     * @param dataIn   {@link VmscsiRequest#READ_TYPE}, {@link VmscsiRequest#WRITE_TYPE} or {@link VmscsiRequest#UNKNOWN_TYPE}
     * @param dataOut  the bytes to write (WRITE_TYPE), else null
     * @param length   the data buffer's length (0: inband, no page list)
     */
    public ScsiCompletion execute(int path, int target, int lun, byte[] cdb, int dataIn, byte[] dataOut, int length)
            throws StorvscException, InterruptedException {
        if (length < 0 || length > bufferBytes()) {
            throw new IllegalArgumentException("transfer of " + length + " bytes; the buffer holds " + bufferBytes());
        }
        if (dataOut != null && dataOut.length != length) {
            throw new IllegalArgumentException("data of " + dataOut.length + " bytes for a transfer of " + length);
        }
        VmscsiRequest srb = VmscsiRequest.of(path, target, lun, cdb, dataIn, length);
        long tid = nextTransaction++;
        byte[] payload = srb.toPacket().encode();
        VmPacket p;
        if (length == 0) {
            p = VmPacket.inband(VmPacketType.FLAG_COMPLETION_REQUESTED, tid, payload);
        } else {
            if (dataOut != null) {
                copy(dataOut, true);
            }
            int pages = (bufferOffset + length + Gpadl.PAGE_SIZE - 1) / Gpadl.PAGE_SIZE;
            byte[] ext = GpaDirect.encode(List.of(new GpaDirect.Range(length, bufferOffset,
                    Arrays.copyOf(bufferPfns, pages))));
            p = new VmPacket(VmPacketType.DATA_USING_GPA_DIRECT, VmPacketType.FLAG_COMPLETION_REQUESTED, tid, ext,
                    payload);
        }
        VstorPacket r = call(p, "SRB 0x" + Integer.toHexString(cdb[0] & 0xff));
        VmscsiRequest done = VmscsiRequest.decode(r);
        long moved = done.dataTransferLength();
        if (moved > length) {
            throw new StorvscException("host says it moved " + moved + " bytes of a " + length + "-byte buffer");
        }
        Sense sense = null;
        if (done.scsiStatus() == ScsiCompletion.CHECK_CONDITION && (done.srbStatus() & SrbStatus.AUTOSENSE_VALID) != 0) {
            byte[] s = done.sense();
            sense = s.length >= 14 ? Sense.ofFixed(s, 0, s.length) : null;
        }
        byte[] data = new byte[0];
        if (dataIn == VmscsiRequest.READ_TYPE && moved > 0) {
            data = new byte[(int) moved];
            copy(data, false);
        }
        return new ScsiCompletion(r.status(), done.srbStatus(), done.scsiStatus(), (int) moved, sense, data);
    }

    private void copy(byte[] data, boolean toGuest) {
        int done = 0;
        int page = 0;
        int off = bufferOffset;
        while (done < data.length) {
            int n = Math.min(Gpadl.PAGE_SIZE - off, data.length - done);
            long gpa = bufferPfns[page] * Gpadl.PAGE_SIZE + off;
            if (toGuest) {
                memory.write(gpa, data, done, n);
            } else {
                memory.read(gpa, data, done, n);
            }
            done += n;
            page++;
            off = 0;
        }
    }

    private ScsiCompletion ok(String what, ScsiCompletion c) throws ScsiException {
        if (!c.good()) {
            throw new ScsiException(what, c);
        }
        return c;
    }

    private ScsiCompletion in(int lun, byte[] cdb, int length, String what) throws StorvscException, InterruptedException {
        return ok(what, execute(0, 0, lun, cdb, VmscsiRequest.READ_TYPE, null, length));
    }

    /** INQUIRY: the standard data ({@code page} &lt; 0) or a VPD page. */
    public byte[] inquiry(int lun, int page, int allocation) throws StorvscException, InterruptedException {
        byte[] cdb = {ScsiOpcode.INQUIRY, (byte) (page < 0 ? 0 : 1), (byte) Math.max(page, 0),
                (byte) (allocation >>> 8), (byte) allocation, 0};
        return in(lun, cdb, allocation, "INQUIRY").data();
    }

    public List<Integer> reportLuns() throws StorvscException, InterruptedException {
        int alloc = 8 + 8 * 256;
        byte[] cdb = new byte[12];
        cdb[0] = (byte) ScsiOpcode.REPORT_LUNS;
        ByteBuffer.wrap(cdb, 6, 4).putInt(alloc);
        byte[] d = in(0, cdb, alloc, "REPORT LUNS").data();
        int n = ByteBuffer.wrap(d).getInt(0) / 8;
        List<Integer> luns = new ArrayList<>();
        for (int i = 0; i < n && 8 + 8 * i + 8 <= d.length; i++) {
            luns.add(d[8 + 8 * i + 1] & 0xff);
        }
        return luns;
    }

    /** Capacity: the number of blocks and the block size. */
    public record Capacity(long blocks, int blockSize) {
    }

    public Capacity readCapacity16(int lun) throws StorvscException, InterruptedException {
        byte[] cdb = new byte[16];
        cdb[0] = (byte) ScsiOpcode.SERVICE_ACTION_IN_16;
        cdb[1] = ScsiOpcode.SA_READ_CAPACITY_16;
        cdb[13] = 32;
        ByteBuffer d = ByteBuffer.wrap(in(lun, cdb, 32, "READ CAPACITY(16)").data());
        return new Capacity(d.getLong(0) + 1, d.getInt(8));
    }

    public Capacity readCapacity10(int lun) throws StorvscException, InterruptedException {
        byte[] cdb = new byte[10];
        cdb[0] = ScsiOpcode.READ_CAPACITY_10;
        ByteBuffer d = ByteBuffer.wrap(in(lun, cdb, 8, "READ CAPACITY(10)").data());
        return new Capacity((d.getInt(0) & 0xffff_ffffL) + 1, d.getInt(4));
    }

    public byte[] modeSense6(int lun, int page, int allocation) throws StorvscException, InterruptedException {
        byte[] cdb = {ScsiOpcode.MODE_SENSE_6, 0, (byte) page, 0, (byte) allocation, 0};
        return in(lun, cdb, allocation, "MODE SENSE(6)").data();
    }

    public void testUnitReady(int lun) throws StorvscException, InterruptedException {
        ok("TEST UNIT READY", execute(0, 0, lun, new byte[6], VmscsiRequest.UNKNOWN_TYPE, null, 0));
    }

    /** READ(16) of {@code blocks} blocks of {@code blockSize} bytes. */
    public byte[] read(int lun, long lba, int blocks, int blockSize) throws StorvscException, InterruptedException {
        return in(lun, rw16(ScsiOpcode.READ_16, lba, blocks), blocks * blockSize, "READ(16)").data();
    }

    /** WRITE(16) of {@code data}, a whole number of blocks. */
    public void write(int lun, long lba, byte[] data, int blockSize) throws StorvscException, InterruptedException {
        ok("WRITE(16)", execute(0, 0, lun, rw16(ScsiOpcode.WRITE_16, lba, data.length / blockSize),
                VmscsiRequest.WRITE_TYPE, data, data.length));
    }

    public void synchronizeCache(int lun) throws StorvscException, InterruptedException {
        byte[] cdb = new byte[10];
        cdb[0] = ScsiOpcode.SYNCHRONIZE_CACHE_10;
        ok("SYNCHRONIZE CACHE(10)", execute(0, 0, lun, cdb, VmscsiRequest.UNKNOWN_TYPE, null, 0));
    }

    /** A READ(16)/WRITE(16) CDB. */
    public static byte[] rw16(int opcode, long lba, long blocks) {
        byte[] cdb = new byte[16];
        cdb[0] = (byte) opcode;
        ByteBuffer.wrap(cdb).putLong(2, lba).putInt(10, (int) blocks);
        return cdb;
    }

    /** A READ(10)/WRITE(10) CDB. */
    public static byte[] rw10(int opcode, long lba, int blocks) {
        byte[] cdb = new byte[10];
        cdb[0] = (byte) opcode;
        ByteBuffer.wrap(cdb).putInt(2, (int) lba).putShort(7, (short) blocks);
        return cdb;
    }
}
