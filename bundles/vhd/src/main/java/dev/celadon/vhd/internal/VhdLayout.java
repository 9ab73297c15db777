package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Everything a VHD file's metadata says, read and validated against the file before any data is touched: the
 * footer (the trailing one, else the copy at offset 0), the dynamic header, the BAT, and where each structure
 * and block lies. Overlapping structures, blocks past the end and absurd sizes are refused here.
 */
public final class VhdLayout {
    /** A byte range of the file and what occupies it, for the overlap check. */
    record Region(long start, long end, String what) {
    }

    /** Problems collected per file before the rest are left out: a hostile file could produce millions. */
    static final int MAX_PROBLEMS = 100;

    public final Path path;
    public final long fileLength;
    public final VhdFooter footer;
    /** False when the trailing footer is missing or corrupt and the copy at offset 0 was used. */
    public final boolean trailingFooterValid;
    public final DynamicHeader header;
    public final BlockAllocationTable bat;
    /** End of the last structure or block (sector-aligned); a writable open puts the footer here if it is lost. */
    public final long usedEnd;
    /** Anomalies that do not stop the disk from being used. */
    public final List<String> warnings;

    private VhdLayout(Path path, long fileLength, VhdFooter footer, boolean trailingFooterValid, DynamicHeader header,
                      BlockAllocationTable bat, long usedEnd, List<String> warnings) {
        this.path = path;
        this.fileLength = fileLength;
        this.footer = footer;
        this.trailingFooterValid = trailingFooterValid;
        this.header = header;
        this.bat = bat;
        this.usedEnd = usedEnd;
        this.warnings = warnings;
    }

    public boolean dynamic() {
        return header != null;
    }

    /** Where the trailing footer is, or goes: the end of the file's used part. */
    public long footerOffset() {
        return trailingFooterValid ? fileLength - VhdFooter.SIZE : usedEnd;
    }

    private static void add(List<String> found, String problem) {
        if (found.size() < MAX_PROBLEMS) {
            found.add(problem);
        }
    }

    /**
     * Reads and validates the file.
     *
     * @param problems when not null, BAT and overlap problems are added here instead of thrown (for check)
     */
    public static VhdLayout read(Path path, FileChannel ch, List<String> problems) throws IOException {
        long len = ch.size();
        if (len < VhdFooter.SIZE) {
            throw new VhdException(path, "file size", len + " bytes, shorter than a VHD footer");
        }
        List<String> warnings = new ArrayList<>();
        VhdFooter footer;
        boolean trailing;
        byte[] tail = FileIo.read(ch, len - VhdFooter.SIZE, VhdFooter.SIZE);
        VhdException tailError = null;
        VhdFooter tailFooter = null;
        try {
            tailFooter = VhdFooter.parse(tail, path, "footer");
        } catch (VhdException e) {
            tailError = e;
        }
        if (tailFooter != null) {
            footer = tailFooter;
            trailing = true;
            if (footer.diskType() != VhdFooter.TYPE_FIXED) {
                byte[] head = FileIo.read(ch, 0, VhdFooter.SIZE);
                try {
                    VhdFooter copy = VhdFooter.parse(head, path, "footer copy at offset 0");
                    if (!copy.sameAs(footer)) {
                        warnings.add("footer copy at offset 0 differs from the footer at the end of the file");
                    }
                } catch (VhdException e) {
                    warnings.add(e.getMessage().substring(path.toString().length() + 2));
                }
            }
        } else {
            // A dynamic disk keeps a copy at offset 0; an allocation interrupted before the new trailing footer
            // was written leaves block data where the footer was, and the copy is what the specification says
            // to fall back on.
            byte[] head = FileIo.read(ch, 0, VhdFooter.SIZE);
            if (!VhdFooter.hasCookie(head)) {
                throw tailError;
            }
            VhdFooter copy = VhdFooter.parse(head, path, "footer copy at offset 0");
            if (copy.diskType() == VhdFooter.TYPE_FIXED) {
                throw tailError;
            }
            footer = copy;
            trailing = false;
            warnings.add("no valid footer at the end of the file (" + tailError.getMessage()
                    .substring(path.toString().length() + 2) + "); using the copy at offset 0, as an interrupted"
                    + " block allocation leaves it");
        }
        long size = footer.currentSize();
        long limit = trailing ? len - VhdFooter.SIZE : len;
        if (footer.diskType() == VhdFooter.TYPE_FIXED) {
            if (size > limit) {
                throw new VhdException(path, "footer current size", size + " bytes, but the file holds only "
                        + limit + " bytes before its footer (truncated?)");
            }
            if (size < limit) {
                warnings.add((limit - size) + " bytes between the end of the data and the footer");
            }
            return new VhdLayout(path, len, footer, true, null, null, len - VhdFooter.SIZE, warnings);
        }

        long headerOffset = footer.dataOffset();
        if (headerOffset < VhdFooter.SIZE || headerOffset > limit - DynamicHeader.SIZE) {
            throw new VhdException(path, "footer data offset", headerOffset + ": the dynamic header must lie between"
                    + " the footer copy and the end of the file (" + len + " bytes)");
        }
        DynamicHeader header = DynamicHeader.parse(FileIo.read(ch, headerOffset, DynamicHeader.SIZE), path);
        int blockSize = header.blockSize();
        long entries = header.maxTableEntriesUnsigned();
        long needed = (size + blockSize - 1) / blockSize;
        if (entries < needed) {
            throw new VhdException(path, "dynamic header max table entries", entries + " blocks of " + blockSize
                    + " bytes do not cover the virtual size of " + size + " bytes (" + needed + " needed)");
        }
        long tableOffset = header.tableOffset();
        long tableBytes = BlockAllocationTable.sizeInFile(entries);
        if (tableOffset < VhdFooter.SIZE || tableOffset > limit || limit - tableOffset < entries * 4) {
            throw new VhdException(path, "dynamic header table offset", tableOffset + ": a BAT of " + entries
                    + " entries there does not fit in the file (" + len + " bytes)");
        }
        BlockAllocationTable bat = BlockAllocationTable.parse(FileIo.read(ch, tableOffset, (int) (entries * 4)),
                (int) entries);

        List<String> found = new ArrayList<>();
        List<Region> regions = new ArrayList<>();
        regions.add(new Region(0, VhdFooter.SIZE, "the footer copy"));
        regions.add(new Region(headerOffset, headerOffset + DynamicHeader.SIZE, "the dynamic header"));
        regions.add(new Region(tableOffset, tableOffset + Math.min(tableBytes, limit - tableOffset), "the BAT"));
        int li = 0;
        for (ParentLocator l : header.parentLocators()) {
            long space = Math.max(l.spaceBytes(), Integer.toUnsignedLong(l.dataLength()));
            if (l.dataOffset() < VhdFooter.SIZE || l.dataOffset() > limit || limit - l.dataOffset() < space) {
                add(found, "parent locator " + li + " (" + ParentLocator.platformName(l.platformCode()) + "): data at "
                        + l.dataOffset() + ", " + space + " bytes, lies outside the file");
            } else {
                regions.add(new Region(l.dataOffset(), l.dataOffset() + space, "parent locator " + li));
            }
            li++;
        }
        long blockBytes = header.bitmapSize() + (long) blockSize;
        // Blocks are keyed (file sector << 24 | block number) in a primitive array: a hostile BAT of millions
        // of entries must not become millions of objects.
        long[] blocks = new long[bat.size()];
        int count = 0;
        for (int i = 0; i < bat.size(); i++) {
            if (!bat.allocated(i)) {
                continue;
            }
            long start = bat.offset(i);
            if (start < VhdFooter.SIZE || start > limit || limit - start < blockBytes) {
                add(found, "BAT entry " + i + ": block at " + start + " (" + blockBytes + " bytes) lies past the"
                        + " end of the file's data (" + limit + " bytes)");
            } else {
                blocks[count++] = (start / 512) << 24 | i;
            }
        }
        java.util.Arrays.sort(blocks, 0, count);
        regions.sort(Comparator.comparingLong(Region::start));
        long usedEnd = 0;
        Region last = null;
        for (Region r : regions) {
            if (last != null && r.start() < last.end()) {
                add(found, r.what() + " (at " + r.start() + ") overlaps " + last.what() + " (" + last.start() + ".."
                        + last.end() + ")");
            }
            if (last == null || r.end() > last.end()) {
                last = r;
            }
            usedEnd = Math.max(usedEnd, r.end());
        }
        long prevEnd = -1;
        int prevBlock = -1;
        for (int j = 0; j < count; j++) {
            long start = (blocks[j] >>> 24) * 512;
            int block = (int) (blocks[j] & 0xFF_FFFF);
            long end = start + blockBytes;
            if (start < prevEnd) {
                add(found, "block " + block + " (at " + start + ") overlaps block " + prevBlock);
            }
            for (Region r : regions) {
                if (start < r.end() && r.start() < end) {
                    add(found, "block " + block + " (at " + start + ") overlaps " + r.what() + " (" + r.start()
                            + ".." + r.end() + ")");
                }
            }
            if (end > prevEnd) {
                prevEnd = end;
                prevBlock = block;
            }
            usedEnd = Math.max(usedEnd, end);
        }
        if (!found.isEmpty()) {
            if (problems == null) {
                String field = found.get(0).startsWith("BAT") ? "BAT" : "layout";
                throw new VhdException(path, field, found.get(0) + (found.size() > 1 ? " (and "
                        + (found.size() >= MAX_PROBLEMS ? "many" : String.valueOf(found.size() - 1))
                        + " more problems)" : ""));
            }
            problems.addAll(found);
            if (found.size() >= MAX_PROBLEMS) {
                problems.add("(further problems not listed)");
            }
        }
        usedEnd = (usedEnd + 511) & ~511L;
        return new VhdLayout(path, len, footer, trailing, header, bat, usedEnd, warnings);
    }
}
