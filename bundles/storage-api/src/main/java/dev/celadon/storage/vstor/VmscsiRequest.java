package dev.celadon.storage.vstor;

import java.util.Arrays;

/**
 * {@code struct vmscsi_request}, the SRB in the union of an EXECUTE_SRB request and its COMPLETE_IO reply, win8
 * layout (52 bytes; offsets in the union, 12 more in the packet):
 * <pre>
 *   @0  u16 length (= 52)      @2 u8 srb_status      @3 u8 scsi_status
 *   @4  u8 port_number         @5 u8 path_id         @6 u8 target_id      @7 u8 lun
 *   @8  u8 cdb_length          @9 u8 sense_info_length (20)              @10 u8 data_in  @11 reserved
 *   @12 u32 data_transfer_length   request: the buffer's length; reply: the bytes moved
 *   @16 u8[20] cdb (16 used) in the request, sense_data in the reply
 *   @36 u16 reserve            @38 u8 queue_tag      @39 u8 queue_action
 *   @40 u32 srb_flags          @44 u32 time_out_value (seconds)          @48 u32 queue_sort_key
 * </pre>
 */
public record VmscsiRequest(int length, int srbStatus, int scsiStatus, int port, int path, int target, int lun,
                            int cdbLength, int senseInfoLength, int dataIn, long dataTransferLength,
                            byte[] cdbOrSense, int queueTag, int queueAction, int srbFlags, int timeout) {
    public static final int SIZE = 52;
    public static final int LENGTH = 0;
    public static final int SRB_STATUS = 2;
    public static final int SCSI_STATUS = 3;
    public static final int PORT = 4;
    public static final int PATH = 5;
    public static final int TARGET = 6;
    public static final int LUN = 7;
    public static final int CDB_LENGTH = 8;
    public static final int SENSE_INFO_LENGTH = 9;
    public static final int DATA_IN = 10;
    public static final int DATA_TRANSFER_LENGTH = 12;
    public static final int CDB = 16;
    public static final int CDB_AREA = 20;
    public static final int MAX_CDB = 16;
    public static final int MAX_SENSE = 20;
    public static final int QUEUE_TAG = 38;
    public static final int QUEUE_ACTION = 39;
    public static final int SRB_FLAGS = 40;
    public static final int TIME_OUT_VALUE = 44;

    /** data_in: the guest writes to the disk (data out of the guest). */
    public static final int WRITE_TYPE = 0;
    public static final int READ_TYPE = 1;
    public static final int UNKNOWN_TYPE = 2;

    public static final int SRB_FLAGS_QUEUE_ACTION_ENABLE = 0x02;
    public static final int SRB_FLAGS_DISABLE_SYNCH_TRANSFER = 0x08;
    public static final int SRB_FLAGS_DATA_IN = 0x40;
    public static final int SRB_FLAGS_DATA_OUT = 0x80;

    public VmscsiRequest {
        if (cdbOrSense.length != CDB_AREA) {
            throw new IllegalArgumentException("cdb/sense area of " + cdbOrSense.length + " bytes, not " + CDB_AREA);
        }
    }

    /** A request as Linux's storvsc_queuecommand fills it in (path, target, lun, CDB, direction, length). */
    public static VmscsiRequest of(int path, int target, int lun, byte[] cdb, int dataIn, int length) {
        if (cdb.length == 0 || cdb.length > MAX_CDB) {
            throw new IllegalArgumentException("CDB of " + cdb.length + " bytes");
        }
        int flags = SRB_FLAGS_DISABLE_SYNCH_TRANSFER | SRB_FLAGS_QUEUE_ACTION_ENABLE
                | (dataIn == READ_TYPE ? SRB_FLAGS_DATA_IN : dataIn == WRITE_TYPE ? SRB_FLAGS_DATA_OUT : 0);
        return new VmscsiRequest(SIZE, 0, 0, 0, path, target, lun, cdb.length, MAX_SENSE, dataIn,
                length & 0xffff_ffffL, Arrays.copyOf(cdb, CDB_AREA), 0, 0, flags, 60);
    }

    /** Reads the SRB from {@code p}'s union; the packet must have been all 64 bytes (the caller checks). */
    public static VmscsiRequest decode(VstorPacket p) {
        byte[] b = p.body();
        return new VmscsiRequest(Le.u16(b, LENGTH), b[SRB_STATUS] & 0xff, b[SCSI_STATUS] & 0xff, b[PORT] & 0xff,
                b[PATH] & 0xff, b[TARGET] & 0xff, b[LUN] & 0xff, b[CDB_LENGTH] & 0xff, b[SENSE_INFO_LENGTH] & 0xff,
                b[DATA_IN] & 0xff, Le.u32(b, DATA_TRANSFER_LENGTH) & 0xffff_ffffL,
                Arrays.copyOfRange(b, CDB, CDB + CDB_AREA), b[QUEUE_TAG] & 0xff, b[QUEUE_ACTION] & 0xff,
                Le.u32(b, SRB_FLAGS), Le.u32(b, TIME_OUT_VALUE));
    }

    /** Writes the fields into {@code p}'s union. */
    public void encodeInto(VstorPacket p) {
        byte[] b = p.body();
        Le.put16(b, LENGTH, length);
        b[SRB_STATUS] = (byte) srbStatus;
        b[SCSI_STATUS] = (byte) scsiStatus;
        b[PORT] = (byte) port;
        b[PATH] = (byte) path;
        b[TARGET] = (byte) target;
        b[LUN] = (byte) lun;
        b[CDB_LENGTH] = (byte) cdbLength;
        b[SENSE_INFO_LENGTH] = (byte) senseInfoLength;
        b[DATA_IN] = (byte) dataIn;
        Le.put32(b, DATA_TRANSFER_LENGTH, (int) dataTransferLength);
        System.arraycopy(cdbOrSense, 0, b, CDB, CDB_AREA);
        b[QUEUE_TAG] = (byte) queueTag;
        b[QUEUE_ACTION] = (byte) queueAction;
        Le.put32(b, SRB_FLAGS, srbFlags);
        Le.put32(b, TIME_OUT_VALUE, timeout);
    }

    /** An EXECUTE_SRB packet carrying this SRB. */
    public VstorPacket toPacket() {
        VstorPacket p = VstorPacket.request(VstorOperation.EXECUTE_SRB);
        encodeInto(p);
        return p;
    }

    /** The CDB bytes ({@code cdb_length} of them, at most 16). */
    public byte[] cdb() {
        return Arrays.copyOf(cdbOrSense, Math.min(cdbLength, MAX_CDB));
    }

    /**
     * The reply SRB: statuses, bytes moved and sense (at most {@code sense_info_length} bytes of it, in the
     * cdb/sense area), the rest as the request had it.
     */
    public VmscsiRequest completed(int srbStatus, int scsiStatus, long transferred, byte[] sense) {
        byte[] area = new byte[CDB_AREA];
        int senseLength = 0;
        if (sense != null) {
            senseLength = Math.min(sense.length, Math.min(senseInfoLength, MAX_SENSE));
            System.arraycopy(sense, 0, area, 0, senseLength);
        }
        return new VmscsiRequest(length, srbStatus, scsiStatus, port, path, target, lun, cdbLength,
                sense == null ? senseInfoLength : senseLength, dataIn, transferred, area, queueTag, queueAction,
                srbFlags, timeout);
    }

    /** The sense bytes of a reply ({@code sense_info_length} of them, at most 20). */
    public byte[] sense() {
        return Arrays.copyOf(cdbOrSense, Math.min(senseInfoLength, MAX_SENSE));
    }
}
