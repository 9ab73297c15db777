package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;
import dev.celadon.vhd.VirtualDisk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A dynamic or differencing VHD. Blocks are allocated at the end of the file on first write; a sector whose
 * bitmap bit is clear reads as zeros (dynamic) or from the parent (differencing).
 * <p>
 * Crash order of an allocation: (1) the block's bitmap and data where the trailing footer was, (2) the footer
 * after the new block, (3) fsync, (4) the BAT entry. Until (2) completes the file has no trailing footer and is
 * opened through the copy at offset 0 (which never changes); after (2) the block is an orphan until (4). The BAT
 * therefore never names space the file does not have. Bitmap bits set in blocks that already exist are kept in
 * memory and written at {@link #flush()}, after an fsync of the data they describe.
 */
public final class DynamicDisk implements VirtualDisk {
    private static final int BITMAP_CACHE = 4096;

    private final Path path;
    private final FileChannel ch;
    private final boolean readOnly;
    private final VhdLayout layout;
    private final VirtualDisk parent;
    private final long size;
    private final int blockSize;
    private final int bitmapSize;
    private final int sectorsPerBlock;
    private final long tableOffset;
    private final byte[] footer;
    private final BlockAllocationTable bat;
    /** Where the trailing footer is; the next block goes here. */
    private long footerOffset;
    private final Map<Integer, SectorBitmap> bitmaps = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, SectorBitmap> e) {
            return size() > BITMAP_CACHE && !dirty.containsKey(e.getKey());
        }
    };
    private final Map<Integer, SectorBitmap> dirty = new TreeMap<>();
    private boolean closed;

    /**
     * @param parent the parent disk of a differencing disk (owned: closed with this one), or null
     */
    public DynamicDisk(Path path, FileChannel ch, VhdLayout layout, boolean readOnly, VirtualDisk parent)
            throws IOException {
        this.path = path;
        this.ch = ch;
        this.layout = layout;
        this.readOnly = readOnly;
        this.parent = parent;
        this.size = layout.footer.currentSize();
        this.blockSize = layout.header.blockSize();
        this.bitmapSize = layout.header.bitmapSize();
        this.sectorsPerBlock = blockSize / 512;
        this.tableOffset = layout.header.tableOffset();
        this.footer = layout.footer.bytes();
        this.bat = layout.bat;
        // BAT entries count sectors, so blocks start on one even if another tool left an unaligned file end.
        this.footerOffset = (layout.footerOffset() + 511) & ~511L;
        if (!readOnly && !layout.trailingFooterValid) {
            repairTrailingFooter();
        }
    }

    /**
     * Puts the footer back after the last block and cuts what follows (an orphan block of an interrupted
     * allocation). The write comes first: interrupted in turn, the file is in the same state as before.
     */
    private void repairTrailingFooter() throws IOException {
        FileIo.write(ch, footerOffset, footer);
        ch.truncate(footerOffset + VhdFooter.SIZE);
        ch.force(true);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int sectorSize() {
        return 512;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    public boolean differencing() {
        return parent != null;
    }

    private void checkOpen() throws VhdException {
        if (closed) {
            throw new VhdException(path, null, "disk is closed");
        }
    }

    private long dataOffset(int block) {
        return bat.offset(block) + bitmapSize;
    }

    private SectorBitmap bitmap(int block) throws IOException {
        SectorBitmap b = bitmaps.get(block);
        if (b == null) {
            b = new SectorBitmap(FileIo.read(ch, bat.offset(block), bitmapSize), sectorsPerBlock);
            bitmaps.put(block, b);
        }
        return b;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkOpen();
        FileIo.checkRange(offset, dst.remaining(), size);
        while (dst.hasRemaining()) {
            int block = (int) (offset / blockSize);
            int in = (int) (offset % blockSize);
            int n = Math.min(dst.remaining(), blockSize - in);
            ByteBuffer part = dst.slice(dst.position(), n);
            readInBlock(block, in, part);
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    private void readInBlock(int block, int in, ByteBuffer dst) throws IOException {
        long virtual = (long) block * blockSize;
        if (!bat.allocated(block)) {
            base(virtual + in, dst);
            return;
        }
        SectorBitmap bm = bitmap(block);
        int end = in + dst.remaining();
        if (bm.allSet(in / 512, (end + 511) / 512)) {
            FileIo.readFully(ch, dataOffset(block) + in, dst);
            return;
        }
        int pos = in;
        while (pos < end) {
            int sector = pos / 512;
            int runEnd = Math.min(end, bm.runEnd(sector, sectorsPerBlock) * 512);
            ByteBuffer part = dst.slice(dst.position(), runEnd - pos);
            if (bm.get(sector)) {
                FileIo.readFully(ch, dataOffset(block) + pos, part);
            } else {
                base(virtual + pos, part);
            }
            dst.position(dst.position() + (runEnd - pos));
            pos = runEnd;
        }
    }

    /** What a sector not in this file holds: the parent's data (zeros past its end), or zeros. */
    private void base(long virtual, ByteBuffer dst) throws IOException {
        if (parent != null && virtual < parent.size()) {
            int n = (int) Math.min(dst.remaining(), parent.size() - virtual);
            parent.read(virtual, dst.slice(dst.position(), n));
            dst.position(dst.position() + n);
        }
        FileIo.zero(dst);
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        checkOpen();
        if (readOnly) {
            throw new VhdException(path, null, "opened read-only");
        }
        FileIo.checkRange(offset, src.remaining(), size);
        while (src.hasRemaining()) {
            int block = (int) (offset / blockSize);
            int in = (int) (offset % blockSize);
            int n = Math.min(src.remaining(), blockSize - in);
            ByteBuffer part = src.slice(src.position(), n);
            writeInBlock(block, in, part);
            src.position(src.position() + n);
            offset += n;
        }
    }

    private void writeInBlock(int block, int in, ByteBuffer src) throws IOException {
        int len = src.remaining();
        int first = in / 512;
        int last = (in + len + 511) / 512; // exclusive
        if (bat.allocated(block) && bitmap(block).allSet(first, last)) {
            FileIo.writeFully(ch, dataOffset(block) + in, src);
            return;
        }
        // Sectors that are not (all) in the file yet are written whole: a partial first or last sector is
        // completed with what it reads as now (zeros, or the parent's data).
        int start = first * 512;
        int end = last * 512; // the segment ends inside the disk, whose size is whole sectors
        byte[] sectors = new byte[end - start];
        if (in != start) {
            readInBlock(block, start, ByteBuffer.wrap(sectors, 0, 512));
        }
        int tail = end - 512 - start;
        if (in + len != end && (tail > 0 || in == start)) {
            readInBlock(block, start + tail, ByteBuffer.wrap(sectors, tail, 512));
        }
        src.get(sectors, in - start, len);
        if (!bat.allocated(block)) {
            allocate(block, start, sectors, first, last);
            return;
        }
        FileIo.write(ch, dataOffset(block) + start, sectors);
        SectorBitmap bm = bitmap(block);
        if (bm.set(first, last)) {
            dirty.put(block, bm);
        }
    }

    private void allocate(int block, int start, byte[] sectors, int first, int last) throws IOException {
        // A dynamic disk's new block is all "present": sectors never written are file holes and read as zeros,
        // so later writes to it need no bitmap update. A differencing disk marks only what was written; the
        // rest still comes from the parent.
        SectorBitmap bm = parent == null ? SectorBitmap.full(bitmapSize, sectorsPerBlock)
                : SectorBitmap.empty(bitmapSize, sectorsPerBlock);
        if (parent != null) {
            bm.set(first, last);
        }
        long at = footerOffset;
        long newFooter = at + bitmapSize + blockSize;
        if (newFooter / 512 >= 0xFFFF_FFFFL) {
            throw new VhdException(path, "BAT", "the file would grow past what 32-bit sector offsets address");
        }
        FileIo.write(ch, at, bm.bytes());
        FileIo.write(ch, at + bitmapSize + start, sectors);
        FileIo.write(ch, newFooter, footer);
        ch.force(false);
        bat.set(block, at);
        FileIo.write(ch, tableOffset + (long) block * BlockAllocationTable.ENTRY_SIZE, bat.entryBytes(block));
        footerOffset = newFooter;
        bitmaps.put(block, bm);
    }

    @Override
    public synchronized void flush() throws IOException {
        checkOpen();
        if (readOnly) {
            return;
        }
        ch.force(false);
        if (!dirty.isEmpty()) {
            for (Map.Entry<Integer, SectorBitmap> e : dirty.entrySet()) {
                FileIo.write(ch, bat.offset(e.getKey()), e.getValue().bytes());
            }
            dirty.clear();
            ch.force(false);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (!readOnly) {
                flush();
            }
        } finally {
            closed = true;
            try {
                ch.close();
            } finally {
                if (parent != null) {
                    parent.close();
                }
            }
        }
    }

    /** The block's sector bitmap (as this disk sees it now), or null when the block is not in the file. */
    synchronized SectorBitmap bitmapOf(int block) throws IOException {
        return bat.allocated(block) ? bitmap(block) : null;
    }

    /** The block's data area as stored, sectors with a clear bit zeroed. */
    synchronized byte[] storedBlock(int block) throws IOException {
        byte[] data = FileIo.read(ch, dataOffset(block), blockSize);
        SectorBitmap bm = bitmap(block);
        for (int s = 0; s < sectorsPerBlock; s++) {
            if (!bm.get(s)) {
                java.util.Arrays.fill(data, s * 512, s * 512 + 512, (byte) 0);
            }
        }
        return data;
    }

    VirtualDisk parent() {
        return parent;
    }

    public VhdLayout layout() {
        return layout;
    }

    /** Blocks present in the file now. */
    public synchronized long allocatedBlocks() {
        return bat.allocatedCount();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
