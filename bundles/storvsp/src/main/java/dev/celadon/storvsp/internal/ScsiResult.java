package dev.celadon.storvsp.internal;

import dev.celadon.storage.Sense;
import dev.celadon.storage.vstor.SrbStatus;

/** How one SRB ended: the SRB and SCSI statuses, the bytes moved, and sense data for CHECK CONDITION. */
record ScsiResult(int srbStatus, int scsiStatus, int transferred, Sense sense) {
    static final int GOOD = 0x00;
    static final int CHECK_CONDITION = 0x02;

    static ScsiResult good(int transferred) {
        return new ScsiResult(SrbStatus.SUCCESS, GOOD, transferred, null);
    }

    /** CHECK CONDITION with autosense, as Hyper-V reports a failed command (SRB_STATUS_ERROR | AUTOSENSE_VALID). */
    static ScsiResult check(Sense sense) {
        return new ScsiResult(SrbStatus.ERROR | SrbStatus.AUTOSENSE_VALID, CHECK_CONDITION, 0, sense);
    }

    /** No such LUN: Linux drops the device (DID_NO_CONNECT); the sense says LOGICAL UNIT NOT SUPPORTED. */
    static ScsiResult invalidLun() {
        return new ScsiResult(SrbStatus.INVALID_LUN | SrbStatus.AUTOSENSE_VALID, CHECK_CONDITION, 0,
                Sense.LUN_NOT_SUPPORTED);
    }

    static ScsiResult invalidRequest() {
        return new ScsiResult(SrbStatus.INVALID_REQUEST, GOOD, 0, null);
    }
}
