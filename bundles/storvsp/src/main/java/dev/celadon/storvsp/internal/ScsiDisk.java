package dev.celadon.storvsp.internal;

import dev.celadon.storage.Lun;
import dev.celadon.storage.ScsiOpcode;
import dev.celadon.storage.Sense;
import dev.celadon.storage.StorageBackend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SCSI direct-access block device emulation (SBC-3 / SPC-4 subset) over one {@link Lun}: the commands Linux
 * 6.1's scsi_scan and sd send, each checked field by field; any other opcode is CHECK CONDITION, ILLEGAL
 * REQUEST, INVALID COMMAND OPERATION CODE. Data moves between the backend and guest memory without an
 * intermediate copy (the backend reads into views of the guest's pages).
 */
final class ScsiDisk {
    static final String VENDOR = "Celadon ";
    static final String PRODUCT = "Virtual Disk    ";
    static final String REVISION = "1.0 ";
    /** INQUIRY VERSION: SPC-3, so Linux tries READ CAPACITY(16) first and uses REPORT LUNS. */
    static final int SPC_VERSION = 0x05;
    static final int[] VPD_PAGES = {0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2};

    private final Lun lun;
    private final StorageBackend disk;
    private final int blockSize;
    private final long blocks;
    private final int maxTransferBytes;
    private final String deviceId;

    ScsiDisk(Lun lun, String controllerId, int maxTransferBytes) {
        this.lun = lun;
        this.disk = lun.backend();
        this.blockSize = disk.blockSize();
        this.blocks = lun.blocks();
        this.maxTransferBytes = maxTransferBytes;
        this.deviceId = controllerId + "-" + lun.number();
    }

    ScsiResult execute(SrbRequest r) {
        byte[] c = r.cdb();
        return switch (r.opcode()) {
            case ScsiOpcode.TEST_UNIT_READY -> noData(r);
            case ScsiOpcode.REQUEST_SENSE -> dataIn(r, Sense.NO_SENSE.toFixed(), Cdb.u8(c, 4));
            case ScsiOpcode.INQUIRY -> inquiry(r);
            case ScsiOpcode.READ_CAPACITY_10 -> readCapacity10(r);
            case ScsiOpcode.SERVICE_ACTION_IN_16 -> (c[1] & 0x1F) == ScsiOpcode.SA_READ_CAPACITY_16
                    ? readCapacity16(r) : ScsiResult.check(Sense.INVALID_FIELD_IN_CDB);
            case ScsiOpcode.MODE_SENSE_6 -> modeSense(r, false);
            case ScsiOpcode.MODE_SENSE_10 -> modeSense(r, true);
            case ScsiOpcode.READ_6 -> rw(r, false, Cdb.u24(c, 1) & 0x1F_FFFF, Cdb.u8(c, 4) == 0 ? 256 : Cdb.u8(c, 4), 0);
            case ScsiOpcode.WRITE_6 -> rw(r, true, Cdb.u24(c, 1) & 0x1F_FFFF, Cdb.u8(c, 4) == 0 ? 256 : Cdb.u8(c, 4), 0);
            case ScsiOpcode.READ_10 -> rw(r, false, Cdb.u32(c, 2), Cdb.u16(c, 7), c[1]);
            case ScsiOpcode.WRITE_10 -> rw(r, true, Cdb.u32(c, 2), Cdb.u16(c, 7), c[1]);
            case ScsiOpcode.READ_16 -> rw(r, false, Cdb.u64(c, 2), Cdb.u32(c, 10), c[1]);
            case ScsiOpcode.WRITE_16 -> rw(r, true, Cdb.u64(c, 2), Cdb.u32(c, 10), c[1]);
            case ScsiOpcode.SYNCHRONIZE_CACHE_10 -> synchronizeCache(r, Cdb.u32(c, 2), Cdb.u16(c, 7));
            case ScsiOpcode.SYNCHRONIZE_CACHE_16 -> synchronizeCache(r, Cdb.u64(c, 2), Cdb.u32(c, 10));
            // sd sends START STOP UNIT only for manage_start_stop; nothing to spin, so it succeeds.
            case ScsiOpcode.START_STOP_UNIT -> noData(r);
            default -> ScsiResult.check(Sense.INVALID_OPCODE);
        };
    }

    /** What a path/target/LUN with no disk answers: INQUIRY says "no device here" (Linux forces INQUIRY success). */
    static ScsiResult absent(SrbRequest r) {
        if (r.opcode() == ScsiOpcode.INQUIRY && (r.cdb()[1] & 1) == 0) {
            byte[] d = standardInquiry(false);
            d[0] = 0x7F; // peripheral qualifier 3, device type 0x1F: no logical unit
            return dataIn(r, d, Cdb.u16(r.cdb(), 3));
        }
        return ScsiResult.invalidLun();
    }

    private static ScsiResult noData(SrbRequest r) {
        return ScsiResult.good(0);
    }

    /** Returns the first min(allocation, data_transfer_length, response) bytes of {@code response}. */
    static ScsiResult dataIn(SrbRequest r, byte[] response, int allocation) {
        int n = Math.min(response.length, Math.min(allocation, r.dataTransferLength()));
        if (n > 0) {
            if (!r.reads()) {
                return ScsiResult.invalidRequest();
            }
            r.buffer().copyIn(response, n);
        }
        return ScsiResult.good(n);
    }

    static byte[] standardInquiry(boolean cmdQue) {
        byte[] d = new byte[36];
        d[0] = 0x00; // direct-access block device
        d[2] = SPC_VERSION;
        d[3] = 0x02; // response data format 2
        d[4] = (byte) (d.length - 5);
        d[7] = (byte) (cmdQue ? 0x02 : 0x00);
        put(d, 8, VENDOR);
        put(d, 16, PRODUCT);
        put(d, 32, REVISION);
        return d;
    }

    private static void put(byte[] d, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, d, off, b.length);
    }

    private ScsiResult inquiry(SrbRequest r) {
        byte[] c = r.cdb();
        int alloc = Cdb.u16(c, 3);
        if ((c[1] & 1) == 0) {
            if (c[2] != 0) {
                return ScsiResult.check(Sense.INVALID_FIELD_IN_CDB);
            }
            return dataIn(r, standardInquiry(true), alloc);
        }
        byte[] page = vpd(c[2] & 0xff);
        return page == null ? ScsiResult.check(Sense.INVALID_FIELD_IN_CDB) : dataIn(r, page, alloc);
    }

    private byte[] vpd(int code) {
        byte[] d;
        switch (code) {
            case 0x00 -> {
                d = new byte[4 + VPD_PAGES.length];
                for (int i = 0; i < VPD_PAGES.length; i++) {
                    d[4 + i] = (byte) VPD_PAGES[i];
                }
            }
            case 0x80 -> {
                byte[] s = lun.serial().getBytes(StandardCharsets.US_ASCII);
                d = new byte[4 + s.length];
                System.arraycopy(s, 0, d, 4, s.length);
            }
            case 0x83 -> {
                // One designator: T10 vendor ID based (type 1, ASCII), "Celadon " + controller instance + LUN,
                // which Linux turns into the disk's wwid ("t10.Celadon ...").
                byte[] id = (VENDOR + deviceId).getBytes(StandardCharsets.US_ASCII);
                d = new byte[8 + id.length];
                d[4] = 0x02; // code set: ASCII
                d[5] = 0x01; // association: logical unit; designator type: T10 vendor ID
                d[7] = (byte) id.length;
                System.arraycopy(id, 0, d, 8, id.length);
            }
            case 0xB0 -> {
                d = new byte[64]; // block limits, SBC-3 page length 0x3C
                Cdb.put32(d, 8, maxTransferBytes / blockSize); // maximum transfer length (blocks)
            }
            case 0xB1 -> {
                d = new byte[64]; // block device characteristics
                Cdb.put16(d, 4, 1); // medium rotation rate 1: non-rotating
            }
            case 0xB2 -> d = new byte[8]; // logical block provisioning: no UNMAP, no WRITE SAME unmap, fully provisioned
            default -> {
                return null;
            }
        }
        d[0] = 0x00;
        d[1] = (byte) code;
        Cdb.put16(d, 2, d.length - 4);
        return d;
    }

    private ScsiResult readCapacity10(SrbRequest r) {
        byte[] d = new byte[8];
        Cdb.put32(d, 0, Math.min(blocks - 1, 0xFFFF_FFFFL)); // 0xFFFFFFFF: use READ CAPACITY(16)
        Cdb.put32(d, 4, blockSize);
        return dataIn(r, d, d.length);
    }

    private ScsiResult readCapacity16(SrbRequest r) {
        byte[] d = new byte[32];
        Cdb.put64(d, 0, blocks - 1);
        Cdb.put32(d, 8, blockSize);
        // byte 13: logical blocks per physical block exponent 0; byte 14: LBPME 0 (no thin provisioning).
        long alloc = Cdb.u32(r.cdb(), 10);
        return dataIn(r, d, (int) Math.min(alloc, d.length));
    }

    private ScsiResult modeSense(SrbRequest r, boolean ten) {
        byte[] c = r.cdb();
        boolean dbd = (c[1] & 0x08) != 0;
        int pc = (c[2] & 0xff) >>> 6;
        int page = c[2] & 0x3F;
        int subpage = c[3] & 0xff;
        int alloc = ten ? Cdb.u16(c, 7) : Cdb.u8(c, 4);
        if (pc == 3) {
            return ScsiResult.check(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
        }
        if (subpage != 0 && !(page == 0x3F && subpage == 0xFF)) {
            return ScsiResult.check(Sense.INVALID_FIELD_IN_CDB);
        }
        boolean changeable = pc == 1;
        byte[] pages;
        switch (page) {
            case 0x08 -> pages = cachingPage(changeable);
            case 0x0A -> pages = controlPage(changeable);
            case 0x3F -> pages = concat(cachingPage(changeable), controlPage(changeable));
            default -> {
                return ScsiResult.check(Sense.INVALID_FIELD_IN_CDB);
            }
        }
        int header = ten ? 8 : 4;
        int bd = dbd ? 0 : 8;
        byte[] d = new byte[header + bd + pages.length];
        int wp = disk.readOnly() ? 0x80 : 0x00;
        if (ten) {
            Cdb.put16(d, 0, d.length - 2);
            d[3] = (byte) wp;
            Cdb.put16(d, 6, bd);
        } else {
            d[0] = (byte) (d.length - 1);
            d[2] = (byte) wp;
            d[3] = (byte) bd;
        }
        if (bd != 0) {
            Cdb.put32(d, header, Math.min(blocks, 0xFFFF_FFFFL));
            Cdb.put32(d, header + 4, blockSize); // byte 4 is density code 0; the 24-bit block length follows
        }
        System.arraycopy(pages, 0, d, header + bd, pages.length);
        return dataIn(r, d, alloc);
    }

    /** Caching page: WCE set, since writes are durable only after SYNCHRONIZE CACHE (the backend's flush). */
    private static byte[] cachingPage(boolean changeable) {
        byte[] p = new byte[20];
        p[0] = 0x08;
        p[1] = 0x12;
        p[2] = (byte) (changeable ? 0 : 0x04);
        return p;
    }

    private static byte[] controlPage(boolean changeable) {
        byte[] p = new byte[12];
        p[0] = 0x0A;
        p[1] = 0x0A;
        return p;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] d = new byte[a.length + b.length];
        System.arraycopy(a, 0, d, 0, a.length);
        System.arraycopy(b, 0, d, a.length, b.length);
        return d;
    }

    /** READ/WRITE(6/10/16): range, protection field and buffer checked, then the backend straight into guest pages. */
    private ScsiResult rw(SrbRequest r, boolean write, long lba, long count, int flags) {
        if ((flags & 0xE0) != 0) {
            return ScsiResult.check(Sense.INVALID_FIELD_IN_CDB); // RDPROTECT/WRPROTECT: no protection information
        }
        if (lba < 0 || count > blocks || lba > blocks - count) {
            return ScsiResult.check(Sense.LBA_OUT_OF_RANGE);
        }
        if (count == 0) {
            return ScsiResult.good(0);
        }
        long bytes = count * blockSize;
        if (bytes > r.dataTransferLength() || bytes > maxTransferBytes || (write ? !r.writes() : !r.reads())) {
            return ScsiResult.invalidRequest();
        }
        if (write && disk.readOnly()) {
            return ScsiResult.check(Sense.WRITE_PROTECTED);
        }
        long offset = lba * blockSize;
        try {
            List<ByteBuffer> views = r.buffer().views(0, (int) bytes);
            if (views.size() == 1) {
                // One run of guest memory: the backend reads or writes it in place.
                if (write) {
                    disk.write(offset, views.get(0));
                } else {
                    disk.read(offset, views.get(0));
                }
            } else {
                // Scattered pages: one backend call through the bounce buffer beats one pread per page.
                ByteBuffer s = r.staging().clear().limit((int) bytes);
                if (write) {
                    for (ByteBuffer v : views) {
                        s.put(v);
                    }
                    disk.write(offset, s.flip());
                } else {
                    disk.read(offset, s);
                    s.flip();
                    for (ByteBuffer v : views) {
                        int n = v.remaining();
                        v.put(s.slice(s.position(), n));
                        s.position(s.position() + n);
                    }
                }
            }
            if (write && (flags & 0x08) != 0) {
                disk.flush(); // FUA
            }
        } catch (IOException | RuntimeException e) {
            return ScsiResult.check(write ? Sense.WRITE_ERROR : Sense.UNRECOVERED_READ_ERROR);
        }
        return ScsiResult.good((int) bytes);
    }

    private ScsiResult synchronizeCache(SrbRequest r, long lba, long count) {
        if (lba < 0 || lba > blocks || count > blocks - lba) {
            return ScsiResult.check(Sense.LBA_OUT_OF_RANGE);
        }
        try {
            disk.flush();
        } catch (IOException | RuntimeException e) {
            return ScsiResult.check(Sense.WRITE_ERROR);
        }
        return ScsiResult.good(0);
    }
}
