package dev.celadon.storvsp.internal;

import dev.celadon.storage.Lun;
import dev.celadon.storage.ScsiOpcode;
import dev.celadon.storage.Sense;

import java.util.List;

/**
 * The controller's SCSI bus: every disk is a LUN of target 0 on path 0. REPORT LUNS is answered for that
 * target from any LUN (even an absent LUN 0, as Linux asks LUN 0 first), and with an empty list from every other
 * target and path; every other command to another address finds no device.
 */
public final class ScsiBus {
    private final ScsiDisk[] disks = new ScsiDisk[Lun.MAX_LUNS];
    private final int[] numbers;
    /** Set when the controller is about to be rescinded: every LUN answers as absent from then on. */
    private volatile boolean removed;
    /** System.nanoTime() of the last command, and how many came since {@link #removeAll}. */
    private volatile long lastCommandNanos = System.nanoTime();
    private volatile long commandsSinceRemoval;

    public ScsiBus(List<Lun> luns, String controllerId, int maxTransferBytes) {
        for (Lun l : luns) {
            if (disks[l.number()] != null) {
                throw new IllegalArgumentException("LUN " + l.number() + " given twice");
            }
            disks[l.number()] = new ScsiDisk(l, controllerId, maxTransferBytes);
        }
        numbers = luns.stream().mapToInt(Lun::number).sorted().toArray();
    }

    /**
     * Takes every LUN off the bus, as a host does before it rescinds a controller: a guest's TEST UNIT READY then
     * gets INVALID_LUN and its SCSI layer removes the disk (flushing its write cache on a channel that still
     * answers), instead of meeting the rescind with a disk whose cache flush can never complete.
     */
    public void removeAll() {
        commandsSinceRemoval = 0;
        removed = true;
    }

    public long commandsSinceRemoval() {
        return commandsSinceRemoval;
    }

    public long nanosSinceLastCommand() {
        return System.nanoTime() - lastCommandNanos;
    }

    ScsiResult execute(SrbRequest r) {
        lastCommandNanos = System.nanoTime();
        if (removed) {
            commandsSinceRemoval++;
            return r.opcode() == ScsiOpcode.REPORT_LUNS ? reportLuns(r, new int[0]) : ScsiDisk.absent(r);
        }
        if (r.opcode() == ScsiOpcode.REPORT_LUNS) {
            // Any address answers for its target: Linux's scan sends REPORT LUNS to every (path, target) whose
            // LUN 0 INQUIRY said "no device here" (0x7F: target present, LUN absent); an empty list ends it
            // quietly, where INVALID_LUN made hv_storvsc log an error for each of them.
            return reportLuns(r, r.path() == 0 && r.target() == 0 ? numbers : new int[0]);
        }
        if (r.path() != 0 || r.target() != 0) {
            return ScsiDisk.absent(r);
        }
        ScsiDisk d = r.lun() < disks.length ? disks[r.lun()] : null;
        return d == null ? ScsiDisk.absent(r) : d.execute(r);
    }

    /** REPORT LUNS: 8-byte header (list length), then single-level LUN addresses (byte 1 = the LUN). */
    private static ScsiResult reportLuns(SrbRequest r, int[] numbers) {
        byte[] c = r.cdb();
        long alloc = Cdb.u32(c, 6);
        int select = c[2] & 0xff;
        if (alloc < 16 || (select != 0 && select != 2)) {
            return ScsiResult.check(Sense.INVALID_FIELD_IN_CDB);
        }
        byte[] d = new byte[8 + 8 * numbers.length];
        Cdb.put32(d, 0, 8L * numbers.length);
        for (int i = 0; i < numbers.length; i++) {
            d[8 + 8 * i + 1] = (byte) numbers[i];
        }
        return ScsiDisk.dataIn(r, d, (int) Math.min(alloc, d.length));
    }
}
