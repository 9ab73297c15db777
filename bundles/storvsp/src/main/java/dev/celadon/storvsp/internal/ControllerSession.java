package dev.celadon.storvsp.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.storage.ScsiOpcode;
import dev.celadon.storage.Sense;
import dev.celadon.storage.vstor.ChannelProperties;
import dev.celadon.storage.vstor.NtStatus;
import dev.celadon.storage.vstor.SrbStatus;
import dev.celadon.storage.vstor.VmscsiRequest;
import dev.celadon.storage.vstor.VstorOperation;
import dev.celadon.storage.vstor.VstorPacket;
import dev.celadon.storage.vstor.VstorProtocolException;
import dev.celadon.storage.vstor.VstorVersion;
import dev.celadon.vmbus.GpaDirect;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import dev.celadon.vmbus.VmbusProtocolException;
import dev.celadon.vmbus.server.Channel;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The storvsc protocol on one open channel, on the channel's worker thread:
 * <pre>
 *   NEW --BEGIN_INITIALIZATION--> INITIALIZING --QUERY_PROTOCOL_VERSION ok--> NEGOTIATED
 *       (QUERY_PROPERTIES)    --END_INITIALIZATION--> READY (EXECUTE_SRB, RESET_*)
 * </pre>
 * Every request gets an 80-byte completion with its transaction id. Requests out of order, duplicate
 * initialisation, unsupported operations and malformed SRBs (lengths, directions, pages outside RAM) fail that
 * request with a logged reason; packets that cannot be storvsc packets at all (wrong VMBus type, too short) close
 * the channel.
 */
public final class ControllerSession {
    enum State { NEW, INITIALIZING, NEGOTIATED, READY }

    /** How long a completion may wait for ring space before the guest is judged not to be reading. */
    static final long SEND_TIMEOUT_MS = 5000;

    private final Channel channel;
    private final GuestMemory memory;
    private final ScsiBus bus;
    private final int maxTransferBytes;
    private final EventLog log;
    private volatile State state = State.NEW;
    private volatile int version;
    /** Bounce buffer for scattered transfers, lent by the controller; a session handles one request at a time. */
    private final ByteBuffer staging;

    public ControllerSession(Channel channel, GuestMemory memory, ScsiBus bus, int maxTransferBytes, EventLog log,
                             ByteBuffer staging) {
        if (staging.capacity() < maxTransferBytes) {
            throw new IllegalArgumentException("bounce buffer of " + staging.capacity() + " bytes < " + maxTransferBytes);
        }
        this.channel = channel;
        this.memory = memory;
        this.bus = bus;
        this.maxTransferBytes = maxTransferBytes;
        this.log = log;
        this.staging = staging;
    }

    /** The bounce buffer, returned to the controller when the channel closes. */
    public ByteBuffer staging() {
        return staging;
    }

    public int version() {
        return version;
    }

    public boolean ready() {
        return state == State.READY;
    }

    public void packet(VmPacket p) {
        int type = p.type();
        if (type == VmPacketType.COMPLETION) {
            log.record(channel.relid(), "completion from the guest ignored (the host sends no requests)");
            return;
        }
        if (type != VmPacketType.DATA_INBAND && type != VmPacketType.DATA_USING_GPA_DIRECT) {
            fail("packet type " + VmPacketType.name(type) + " is not a storvsc request");
            return;
        }
        VstorPacket v;
        try {
            v = VstorPacket.decode(p.data());
        } catch (VstorProtocolException e) {
            fail(e.getMessage());
            return;
        }
        long tid = p.transactionId();
        switch (v.operation()) {
            case VstorOperation.BEGIN_INITIALIZATION -> {
                if (state != State.NEW) {
                    refuse(tid, v, NtStatus.INVALID_DEVICE_STATE, "duplicate BEGIN_INITIALIZATION (state " + state + ")");
                } else {
                    state = State.INITIALIZING;
                    send(tid, v.reply(NtStatus.SUCCESS));
                }
            }
            case VstorOperation.QUERY_PROTOCOL_VERSION -> {
                if (state != State.INITIALIZING && state != State.NEGOTIATED) {
                    refuse(tid, v, NtStatus.INVALID_DEVICE_STATE, "QUERY_PROTOCOL_VERSION in state " + state);
                } else if (supported(v.version())) {
                    version = v.version();
                    state = State.NEGOTIATED;
                    send(tid, v.reply(NtStatus.SUCCESS));
                } else {
                    // Part of a normal negotiation (the guest tries the next), so not recorded as a violation.
                    send(tid, v.reply(NtStatus.REVISION_MISMATCH));
                }
            }
            case VstorOperation.QUERY_PROPERTIES -> {
                if (state != State.NEGOTIATED) {
                    refuse(tid, v, NtStatus.INVALID_DEVICE_STATE, "QUERY_PROPERTIES in state " + state);
                } else {
                    VstorPacket r = v.reply(NtStatus.SUCCESS);
                    Arrays.fill(r.body(), (byte) 0);
                    // No sub-channels: the VMBus server offers none (sub_channel_index 0 only).
                    new ChannelProperties(0, 0, maxTransferBytes).encodeInto(r);
                    send(tid, r);
                }
            }
            case VstorOperation.END_INITIALIZATION -> {
                if (state != State.NEGOTIATED) {
                    refuse(tid, v, NtStatus.INVALID_DEVICE_STATE, "END_INITIALIZATION in state " + state);
                } else {
                    state = State.READY;
                    send(tid, v.reply(NtStatus.SUCCESS));
                }
            }
            case VstorOperation.EXECUTE_SRB -> srb(p, v);
            case VstorOperation.RESET_LUN, VstorOperation.RESET_ADAPTER, VstorOperation.RESET_BUS -> {
                // I/O completes before the next packet is read, so there is never anything to abort.
                if (state != State.READY) {
                    refuse(tid, v, NtStatus.INVALID_DEVICE_STATE, VstorOperation.name(v.operation())
                            + " in state " + state);
                } else {
                    send(tid, v.reply(NtStatus.SUCCESS));
                }
            }
            case VstorOperation.FCHBA_DATA -> refuse(tid, v, NtStatus.NOT_SUPPORTED,
                    "FCHBA_DATA: this is a SCSI controller, not a Fibre Channel adapter");
            case VstorOperation.CREATE_SUB_CHANNELS -> refuse(tid, v, NtStatus.NOT_SUPPORTED,
                    "CREATE_SUB_CHANNELS: QUERY_PROPERTIES offered no sub-channels");
            default -> refuse(tid, v, NtStatus.INVALID_PARAMETER, VstorOperation.name(v.operation())
                    + " is not a request a guest sends");
        }
    }

    static boolean supported(int v) {
        return v == VstorVersion.WIN10 || v == VstorVersion.WIN8_1 || v == VstorVersion.WIN8;
    }

    private void srb(VmPacket p, VstorPacket v) {
        long tid = p.transactionId();
        if (p.data().length < VstorPacket.SIZE) {
            fail("EXECUTE_SRB of " + p.data().length + " bytes is shorter than " + VstorPacket.SIZE);
            return;
        }
        VmscsiRequest srb = VmscsiRequest.decode(v);
        if (state != State.READY) {
            log.record(channel.relid(), "EXECUTE_SRB before END_INITIALIZATION (state " + state + ")");
            complete(tid, v, srb, NtStatus.INVALID_DEVICE_STATE, ScsiResult.invalidRequest());
            return;
        }
        SrbRequest r;
        try {
            r = validate(p, srb);
        } catch (BadRequest e) {
            log.record(channel.relid(), "SRB refused: " + e.getMessage());
            complete(tid, v, srb, NtStatus.INVALID_PARAMETER, ScsiResult.invalidRequest());
            return;
        }
        ScsiResult result;
        if (srb.cdbLength() < ScsiOpcode.cdbLength(r.opcode())) {
            result = ScsiResult.check(Sense.INVALID_FIELD_IN_CDB);
        } else {
            try {
                result = bus.execute(r);
            } catch (RuntimeException e) {
                // A backend's unexpected failure is the host's fault: the guest sees a hardware error.
                log.record(channel.relid(), "SRB opcode 0x" + Integer.toHexString(r.opcode()) + " failed: " + e);
                result = ScsiResult.check(new Sense(Sense.KEY_HARDWARE_ERROR, 0x44, 0x00));
            }
        }
        if (SrbStatus.code(result.srbStatus()) == SrbStatus.INVALID_REQUEST) {
            log.record(channel.relid(), "SRB opcode 0x" + Integer.toHexString(r.opcode()) + ": direction "
                    + srb.dataIn() + " or data_transfer_length " + r.dataTransferLength()
                    + " does not fit the command");
        }
        complete(tid, v, srb, NtStatus.SUCCESS, result);
    }

    private SrbRequest validate(VmPacket p, VmscsiRequest srb) throws BadRequest {
        if (srb.length() != VmscsiRequest.SIZE) {
            throw new BadRequest("vm_srb.length " + srb.length() + " is not " + VmscsiRequest.SIZE);
        }
        if (srb.cdbLength() < 1 || srb.cdbLength() > VmscsiRequest.MAX_CDB) {
            throw new BadRequest("cdb_length " + srb.cdbLength() + " is outside 1.." + VmscsiRequest.MAX_CDB);
        }
        if (srb.dataIn() > VmscsiRequest.UNKNOWN_TYPE) {
            throw new BadRequest("data_in " + srb.dataIn() + " is not 0 (write), 1 (read) or 2 (none)");
        }
        long dtl = srb.dataTransferLength();
        if (dtl > maxTransferBytes) {
            throw new BadRequest("data_transfer_length " + dtl + " exceeds max_transfer_bytes " + maxTransferBytes);
        }
        if (srb.dataIn() == VmscsiRequest.UNKNOWN_TYPE && dtl != 0) {
            throw new BadRequest("data_transfer_length " + dtl + " with data_in 2 (no data)");
        }
        GuestBuffer buffer = null;
        if (dtl > 0) {
            if (p.type() != VmPacketType.DATA_USING_GPA_DIRECT) {
                throw new BadRequest("data_transfer_length " + dtl + " in an inband packet (no page list)");
            }
            List<GpaDirect.Range> ranges;
            try {
                ranges = GpaDirect.decode(p);
            } catch (VmbusProtocolException e) {
                throw new BadRequest(e.getMessage());
            }
            buffer = GuestBuffer.of(memory, ranges, (int) dtl);
        }
        byte[] cdb = Arrays.copyOf(srb.cdbOrSense(), VmscsiRequest.MAX_CDB);
        Arrays.fill(cdb, srb.cdbLength(), VmscsiRequest.MAX_CDB, (byte) 0);
        return new SrbRequest(srb.path(), srb.target(), srb.lun(), cdb, srb.dataIn(), (int) dtl, buffer, staging);
    }

    /**
     * Tells the guest the bus changed (VSTOR_OPERATION_ENUMERATE_BUS, transaction id 0, as Hyper-V sends it):
     * hv_storvsc tests every disk it knows with TEST UNIT READY and rescans.
     */
    public void announceBusChange() {
        if (state != State.READY) {
            return;
        }
        VstorPacket p = VstorPacket.of(VstorOperation.ENUMERATE_BUS, 0, 0);
        if (!channel.send(VmPacket.inband(0, 0, p.encode()), SEND_TIMEOUT_MS) && channel.isOpen()) {
            fail("no room in the host-to-guest ring for ENUMERATE_BUS within " + SEND_TIMEOUT_MS + " ms");
        }
    }

    private void complete(long tid, VstorPacket v, VmscsiRequest srb, int status, ScsiResult result) {
        VstorPacket r = v.reply(status);
        srb.completed(result.srbStatus(), result.scsiStatus(), result.transferred(),
                result.sense() == null ? null : result.sense().toFixed()).encodeInto(r);
        send(tid, r);
    }

    private void refuse(long tid, VstorPacket v, int status, String reason) {
        log.record(channel.relid(), reason);
        send(tid, v.reply(status));
    }

    private void send(long tid, VstorPacket reply) {
        if (!channel.send(VmPacket.completion(tid, reply.encode()), SEND_TIMEOUT_MS) && channel.isOpen()) {
            fail("no room in the host-to-guest ring for a completion within " + SEND_TIMEOUT_MS + " ms");
        }
    }

    private void fail(String reason) {
        log.record(channel.relid(), "channel closed: " + reason);
        channel.fail("storvsp: " + reason);
    }
}
