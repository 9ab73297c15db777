package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;
import dev.celadon.vhd.VirtualDisk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Making and opening VHD files. */
public final class VhdFiles {
    /** Parent chains deeper than this are refused (a loop, or nothing anyone would run). */
    public static final int MAX_CHAIN = 32;

    private VhdFiles() {
    }

    public static void createFixed(Path path, long size) throws IOException {
        checkSize(path, size);
        VhdFooter footer = VhdFooter.create(VhdFooter.TYPE_FIXED, size, VhdFooter.NO_DATA_OFFSET,
                UUID.randomUUID(), Instant.now());
        publish(path, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                FileIo.write(ch, size, footer.bytes()); // the data before it stays a hole: zeros
                ch.force(true);
            }
        });
    }

    /**
     * A dynamic disk, or a differencing one when {@code parent} is given. Layout: footer copy, dynamic header,
     * BAT (all unused), the parent locators' data, footer.
     */
    public static void createDynamic(Path path, long size, int blockSize, Path parent) throws IOException {
        checkSize(path, size);
        if (blockSize < DynamicHeader.MIN_BLOCK_SIZE || blockSize > DynamicHeader.MAX_BLOCK_SIZE
                || Integer.bitCount(blockSize) != 1) {
            throw new VhdException(path, "block size", blockSize + ": not a power of two from 512 bytes to 256 MiB");
        }
        long entries = (size + blockSize - 1) / blockSize;
        if (entries > DynamicHeader.MAX_TABLE_ENTRIES_LIMIT) {
            throw new VhdException(path, "block size", blockSize + " bytes makes " + entries + " blocks, more than "
                    + DynamicHeader.MAX_TABLE_ENTRIES_LIMIT);
        }
        long headerOffset = VhdFooter.SIZE;
        long tableOffset = headerOffset + DynamicHeader.SIZE;
        long next = tableOffset + BlockAllocationTable.sizeInFile(entries);
        UUID parentUuid = null;
        int parentStamp = 0;
        String parentName = null;
        List<ParentLocator> locators = new ArrayList<>();
        List<byte[]> locatorData = new ArrayList<>();
        int type = VhdFooter.TYPE_DYNAMIC;
        if (parent != null) {
            type = VhdFooter.TYPE_DIFFERENCING;
            VhdLayout p;
            try (FileChannel pc = FileChannel.open(parent, StandardOpenOption.READ)) {
                p = VhdLayout.read(parent, pc, null);
            }
            if (p.footer.currentSize() != size) {
                throw new VhdException(path, "size", size + " bytes, but parent " + parent + " has "
                        + p.footer.currentSize() + "; a differencing disk has its parent's size");
            }
            parentUuid = p.footer.uniqueId();
            parentStamp = p.footer.timestamp();
            parentName = parent.getFileName().toString();
            for (int code : new int[] {ParentLocator.W2KU, ParentLocator.W2RU}) {
                String s = code == ParentLocator.W2KU ? ParentResolver.absoluteLocator(parent)
                        : ParentResolver.relativeLocator(path, parent);
                byte[] data = s.getBytes(StandardCharsets.UTF_16LE);
                int space = (data.length + 511) & ~511;
                locators.add(new ParentLocator(code, space, data.length, next));
                locatorData.add(data);
                next += space;
            }
        }
        VhdFooter footer = VhdFooter.create(type, size, headerOffset, UUID.randomUUID(), Instant.now());
        DynamicHeader header = DynamicHeader.create(tableOffset, (int) entries, blockSize, parentUuid, parentStamp,
                parentName, locators);
        long footerAt = next;
        publish(path, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                FileIo.write(ch, 0, footer.bytes());
                FileIo.write(ch, headerOffset, header.bytes());
                FileIo.write(ch, tableOffset, BlockAllocationTable.empty((int) entries).bytes());
                for (int i = 0; i < locators.size(); i++) {
                    FileIo.write(ch, locators.get(i).dataOffset(), locatorData.get(i));
                }
                FileIo.write(ch, footerAt, footer.bytes());
                ch.force(true);
            }
        });
    }

    private static void checkSize(Path path, long size) throws VhdException {
        if (size <= 0 || size % 512 != 0 || size > VhdFooter.MAX_SIZE) {
            throw new VhdException(path, "size", size + " bytes: a VHD holds a positive multiple of 512 bytes up to "
                    + VhdFooter.MAX_SIZE + " (2040 GiB)");
        }
    }

    public interface Writer {
        void write(Path tmp) throws IOException;
    }

    /**
     * Writes a new file beside {@code path} and gives it its name only when complete: a hard link, which fails
     * if the name exists, so nothing is ever overwritten and a crash leaves no half-made disk under the name.
     */
    public static void publish(Path path, Writer writer) throws IOException {
        Path abs = path.toAbsolutePath();
        if (Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(abs.toString(), null, "refusing to overwrite");
        }
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            writer.write(tmp);
            try {
                Files.createLink(abs, tmp);
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
            syncDirectory(abs.getParent());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be synced; the rename is then as durable as it gets
        }
    }

    /** Opens a VHD of any kind, its parents read-only. */
    public static VirtualDisk open(Path path, boolean readOnly) throws IOException {
        return open(path, readOnly, new HashSet<>(), 0);
    }

    private static VirtualDisk open(Path path, boolean readOnly, Set<UUID> chain, int depth) throws IOException {
        FileChannel ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        VirtualDisk parent = null;
        try {
            if (!readOnly) {
                lock(path, ch);
            }
            VhdLayout layout = VhdLayout.read(path, ch, null);
            if (!chain.add(layout.footer.uniqueId())) {
                throw new VhdException(path, "footer unique id", layout.footer.uniqueId()
                        + " appears twice in the parent chain (a loop)");
            }
            switch (layout.footer.diskType()) {
                case VhdFooter.TYPE_FIXED:
                    return new FlatDisk(path, ch, layout.footer.currentSize(), readOnly);
                case VhdFooter.TYPE_DYNAMIC:
                    return new DynamicDisk(path, ch, layout, readOnly, null);
                default:
                    if (depth >= MAX_CHAIN) {
                        throw new VhdException(path, "parent locator", "parent chain deeper than " + MAX_CHAIN);
                    }
                    Path parentPath = ParentResolver.resolve(path, ch, layout.header);
                    parent = open(parentPath, true, chain, depth + 1);
                    return new DynamicDisk(path, ch, layout, readOnly, parent);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (parent != null) {
                parent.close();
            }
            throw e;
        }
    }

    /** One writer at a time: a second writable open, here or in another process (qemu too), is refused. */
    static void lock(Path path, FileChannel ch) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            throw new VhdException(path, null, "already open for writing in this process");
        }
        if (lock == null) {
            throw new VhdException(path, null, "locked by another process");
        }
    }

    /** True when the file ends (or, for a dynamic disk, starts) with a VHD footer cookie. */
    public static boolean looksLikeVhd(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long len = ch.size();
            if (len < VhdFooter.SIZE) {
                return false;
            }
            return VhdFooter.hasCookie(FileIo.read(ch, len - VhdFooter.SIZE, 8))
                    || VhdFooter.hasCookie(FileIo.read(ch, 0, 8));
        }
    }
}
