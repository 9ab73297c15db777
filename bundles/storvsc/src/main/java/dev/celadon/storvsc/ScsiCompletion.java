package dev.celadon.storvsc;

import dev.celadon.storage.Sense;
import dev.celadon.storage.vstor.SrbStatus;

/**
 * How the host completed one SRB: its statuses, the bytes it says it moved, the sense data if it sent valid
 * sense (CHECK CONDITION with {@link SrbStatus#AUTOSENSE_VALID}), the bytes read (data-in commands; empty
 * otherwise) and the vstor status.
 */
public record ScsiCompletion(int status, int srbStatus, int scsiStatus, int transferred, Sense sense, byte[] data) {
    public static final int GOOD = 0;
    public static final int CHECK_CONDITION = 2;

    public boolean good() {
        return SrbStatus.code(srbStatus) == SrbStatus.SUCCESS && scsiStatus == GOOD;
    }

    @Override
    public String toString() {
        return String.format("srb_status 0x%02X scsi_status 0x%02X, %d bytes%s", srbStatus, scsiStatus,
                transferred, sense == null ? "" : ", " + sense);
    }
}
