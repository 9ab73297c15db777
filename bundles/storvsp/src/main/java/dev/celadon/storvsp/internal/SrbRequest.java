package dev.celadon.storvsp.internal;

import dev.celadon.storage.vstor.VmscsiRequest;

import java.nio.ByteBuffer;

/**
 * A validated SRB on its way to a disk: the CDB (at least as long as its opcode's group needs), the direction
 * and the data buffer ({@code null} when {@code dataTransferLength} is 0); {@code staging} is the session's bounce
 * buffer for transfers spread over several runs of guest memory.
 */
record SrbRequest(int path, int target, int lun, byte[] cdb, int dataIn, int dataTransferLength, GuestBuffer buffer,
                  ByteBuffer staging) {

    int opcode() {
        return cdb[0] & 0xff;
    }

    boolean reads() {
        return dataIn == VmscsiRequest.READ_TYPE;
    }

    boolean writes() {
        return dataIn == VmscsiRequest.WRITE_TYPE;
    }
}
