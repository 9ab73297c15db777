package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;
import dev.celadon.vhd.VirtualDisk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a dynamic or differencing disk without the blocks that add nothing: all zeros in a dynamic disk, or
 * identical to the parent in a differencing one. The new file keeps the footer (unique id and time stamp, so
 * children stay valid) and replaces the old one by an atomic rename only when complete and synced.
 */
public final class Compactor {
    private Compactor() {
    }

    /** @return bytes released */
    public static long compact(Path path) throws IOException {
        try (FileChannel guard = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            VhdFiles.lock(path, guard); // no writer may be active while the copy is made
            VirtualDisk opened = VhdFiles.open(path, true);
            try {
                if (!(opened instanceof DynamicDisk disk)) {
                    throw new VhdException(path, "footer disk type", "a fixed disk has no blocks to release");
                }
                VhdLayout old = disk.layout();
                if (old.footer.savedState()) {
                    throw new VhdException(path, "footer saved state", "set: the disk belongs to a saved VM and"
                            + " must not be compacted");
                }
                long before = Files.size(path);
                Path tmp = Files.createTempFile(path.toAbsolutePath().getParent(), "." + path.getFileName(),
                        ".compact");
                try {
                    write(disk, old, tmp);
                    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    VhdFiles.syncDirectory(path.toAbsolutePath().getParent());
                } finally {
                    Files.deleteIfExists(tmp);
                }
                return before - Files.size(path);
            } finally {
                opened.close();
            }
        }
    }

    private static void write(DynamicDisk disk, VhdLayout old, Path tmp) throws IOException {
        DynamicHeader h = old.header;
        int blockSize = h.blockSize();
        int bitmapSize = h.bitmapSize();
        long size = disk.size();
        long tableOffset = VhdFooter.SIZE + DynamicHeader.SIZE;
        int entries = h.maxTableEntries();
        long next = tableOffset + BlockAllocationTable.sizeInFile(entries);
        try (FileChannel src = FileChannel.open(old.path, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            List<ParentLocator> locators = new ArrayList<>();
            for (ParentLocator l : h.parentLocators()) {
                int len = (int) Math.min(Integer.toUnsignedLong(l.dataLength()), 64 * 1024);
                int space = Math.max(512, (len + 511) & ~511);
                FileIo.write(out, next, FileIo.read(src, l.dataOffset(), len));
                locators.add(new ParentLocator(l.platformCode(), space, len, next));
                next += space;
            }
            BlockAllocationTable bat = BlockAllocationTable.empty(entries);
            VirtualDisk parent = disk.parent();
            for (int i = 0; i < entries; i++) {
                SectorBitmap bm = disk.bitmapOf(i);
                if (bm == null) {
                    continue;
                }
                byte[] data = disk.storedBlock(i);
                long virtual = (long) i * blockSize;
                int inDisk = (int) Math.max(0, Math.min(blockSize, size - virtual));
                if (!adds(data, bm, inDisk, parent, virtual)) {
                    continue;
                }
                FileIo.write(out, next, bm.bytes());
                FileIo.write(out, next + bitmapSize, data);
                bat.set(i, next);
                next += bitmapSize + blockSize;
            }
            byte[] footer = old.footer.bytes();
            FileIo.write(out, 0, footer);
            FileIo.write(out, VhdFooter.SIZE, h.relocated(tableOffset, locators).bytes());
            FileIo.write(out, tableOffset, bat.bytes());
            FileIo.write(out, next, footer);
            out.force(true);
        }
    }

    /** Whether the block changes what the disk reads: non-zero data, or (differencing) data unlike the parent's. */
    private static boolean adds(byte[] data, SectorBitmap bm, int inDisk, VirtualDisk parent, long virtual)
            throws IOException {
        if (parent == null) {
            return !FileIo.isZero(data, 0, inDisk);
        }
        byte[] base = new byte[inDisk];
        int fromParent = (int) Math.max(0, Math.min(inDisk, parent.size() - virtual));
        if (fromParent > 0) {
            parent.read(virtual, base, 0, fromParent);
        }
        for (int s = 0; s < inDisk / 512; s++) {
            if (bm.get(s) && !java.util.Arrays.equals(data, s * 512, s * 512 + 512, base, s * 512, s * 512 + 512)) {
                return true;
            }
        }
        return false;
    }
}
