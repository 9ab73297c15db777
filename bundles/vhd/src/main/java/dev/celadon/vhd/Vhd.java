package dev.celadon.vhd;

import dev.celadon.vhd.internal.Compactor;
import dev.celadon.vhd.internal.DynamicHeader;
import dev.celadon.vhd.internal.FileIo;
import dev.celadon.vhd.internal.ParentResolver;
import dev.celadon.vhd.internal.VhdFiles;
import dev.celadon.vhd.internal.VhdFooter;
import dev.celadon.vhd.internal.VhdLayout;
import dev.celadon.vhd.internal.VhdTime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Creating, opening, describing, checking, compacting and converting disk images. */
public final class Vhd {
    /** Image kinds. The codes are the VHD footer's Disk Type values (0 for raw, which has no footer). */
    public enum Type {
        RAW(0), FIXED(VhdFooter.TYPE_FIXED), DYNAMIC(VhdFooter.TYPE_DYNAMIC), DIFFERENCING(VhdFooter.TYPE_DIFFERENCING);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("disk type " + code);
        }
    }

    /** Called as a conversion proceeds, from the converting thread. */
    @FunctionalInterface
    @org.osgi.annotation.versioning.ConsumerType
    public interface Progress {
        void update(long bytesDone, long bytesTotal);
    }

    /** Dynamic and differencing disks get 2 MiB blocks unless told otherwise, as Hyper-V and qemu make them. */
    public static final int DEFAULT_BLOCK_SIZE = DynamicHeader.DEFAULT_BLOCK_SIZE;

    private Vhd() {
    }

    /**
     * Creates a new image; never overwrites. A differencing disk takes its parent's size ({@code size} may be
     * 0 then, or must match).
     *
     * @param type   {@link Type#FIXED}, {@link Type#DYNAMIC}, {@link Type#DIFFERENCING} (needs {@code parent})
     *               or {@link Type#RAW}
     * @param parent the parent VHD of a differencing disk, else null
     */
    public static void create(Path path, long size, Type type, Path parent) throws IOException {
        create(path, size, type, parent, DEFAULT_BLOCK_SIZE);
    }

    public static void create(Path path, long size, Type type, Path parent, int blockSize) throws IOException {
        if ((type == Type.DIFFERENCING) != (parent != null)) {
            throw new VhdException(path, "parent", type == Type.DIFFERENCING ? "a differencing disk needs a parent"
                    : "only a differencing disk has a parent");
        }
        switch (type) {
            case RAW -> RawDisk.create(path, size);
            case FIXED -> VhdFiles.createFixed(path, size);
            case DYNAMIC -> VhdFiles.createDynamic(path, size, blockSize, null);
            case DIFFERENCING -> {
                long parentSize = info(parent).virtualSize();
                if (size != 0 && size != parentSize) {
                    throw new VhdException(path, "size", size + " bytes, but parent " + parent + " has "
                            + parentSize + "; a differencing disk has its parent's size");
                }
                VhdFiles.createDynamic(path, parentSize, blockSize, parent);
            }
        }
    }

    /**
     * Opens a VHD (fixed, dynamic or differencing, whose parents are found and opened read-only). A writable
     * open takes an exclusive lock on the file and, if an interrupted allocation left the file without its
     * trailing footer, puts it back.
     */
    public static VirtualDisk open(Path path, boolean readOnly) throws IOException {
        return VhdFiles.open(path, readOnly);
    }

    /** Opens a VHD, or a raw image when the file has no VHD footer. */
    public static VirtualDisk openImage(Path path, boolean readOnly) throws IOException {
        return isVhd(path) ? open(path, readOnly) : RawDisk.open(path, readOnly);
    }

    /** True when the file carries a VHD footer cookie (valid or not). */
    public static boolean isVhd(Path path) throws IOException {
        return VhdFiles.looksLikeVhd(path);
    }

    /** Describes an image (raw when it has no VHD footer). A missing parent is not an error here. */
    public static VhdInfo info(Path path) throws IOException {
        long fileSize = Files.size(path);
        if (!isVhd(path)) {
            return new VhdInfo(path, Type.RAW, fileSize, fileSize, 0, 0, 0, null, null, null, null, null, null);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            VhdLayout l = VhdLayout.read(path, ch, null);
            VhdFooter f = l.footer;
            Type type = Type.of(f.diskType());
            String creator = f.creatorApp() + " " + (f.creatorVersion() >>> 16) + "." + (f.creatorVersion() & 0xFFFF)
                    + " " + f.creatorHostOs();
            if (!l.dynamic()) {
                return new VhdInfo(path, type, f.currentSize(), fileSize, 0, 0, 0, f.uniqueId(),
                        VhdTime.toInstant(f.timestamp()), creator, null, null, null);
            }
            Path parent = null;
            String parentName = null;
            java.util.UUID parentUuid = null;
            if (type == Type.DIFFERENCING) {
                parentName = l.header.parentUnicodeName();
                parentUuid = l.header.parentUniqueId();
                try {
                    parent = ParentResolver.resolve(path, ch, l.header);
                } catch (VhdException e) {
                    parent = null;
                }
            }
            return new VhdInfo(path, type, f.currentSize(), fileSize, l.header.blockSize(), l.bat.size(),
                    l.bat.allocatedCount(), f.uniqueId(), VhdTime.toInstant(f.timestamp()), creator, parent,
                    parentName, parentUuid);
        }
    }

    /**
     * Checks footer, header, BAT and parent chain without changing the file. An empty list means the image is
     * sound; otherwise each entry describes one problem (structure problems that stop the image from opening
     * come first).
     */
    public static List<String> check(Path path) throws IOException {
        List<String> problems = new ArrayList<>();
        check(path, problems, 0);
        return problems;
    }

    private static void check(Path path, List<String> problems, int depth) throws IOException {
        if (!isVhd(path)) {
            long size = Files.size(path);
            if (size == 0 || size % 512 != 0) {
                problems.add(path + ": raw image of " + size + " bytes, not whole 512-byte sectors");
            }
            return;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            VhdLayout l;
            try {
                l = VhdLayout.read(path, ch, problems);
            } catch (VhdException e) {
                problems.add(e.getMessage());
                return;
            }
            for (String w : l.warnings) {
                problems.add(path + ": " + w);
            }
            if (l.footer.savedState()) {
                problems.add(path + ": footer saved state is set (the disk belongs to a saved VM)");
            }
            if (l.footer.diskType() == VhdFooter.TYPE_DIFFERENCING) {
                try {
                    Path parent = ParentResolver.resolve(path, ch, l.header);
                    if (depth < VhdFiles.MAX_CHAIN) {
                        check(parent, problems, depth + 1);
                    } else {
                        problems.add(path + ": parent chain deeper than " + VhdFiles.MAX_CHAIN);
                    }
                } catch (VhdException e) {
                    problems.add(e.getMessage());
                }
            }
        }
    }

    /**
     * Releases the blocks of a dynamic or differencing disk that add nothing (all zeros; or, in a differencing
     * disk, the same as the parent): the disk is rewritten into a new file that atomically replaces it, and
     * reads exactly the same. The disk must not be open for writing.
     *
     * @return bytes released
     */
    public static long compact(Path path) throws IOException {
        return Compactor.compact(path);
    }

    /**
     * Copies an image (raw or any VHD kind; a differencing disk is flattened) into a new image of another kind
     * ({@link Type#RAW}, {@link Type#FIXED} or {@link Type#DYNAMIC}). Runs of zeros are not written, so raw and
     * dynamic outputs are sparse. The output appears under its name only when complete.
     */
    public static void convert(Path in, Path out, Type type, Progress progress) throws IOException {
        if (type == Type.DIFFERENCING) {
            throw new VhdException(out, "type", "conversion makes raw, fixed or dynamic images, not differencing");
        }
        if (Files.exists(out)) {
            throw new FileAlreadyExistsException(out.toString(), null, "refusing to overwrite");
        }
        Path abs = out.toAbsolutePath();
        Path part = abs.resolveSibling("." + abs.getFileName() + "." + java.util.UUID.randomUUID() + ".part");
        try (VirtualDisk src = openImage(in, true)) {
            long size = src.size();
            create(part, size, type, null);
            try (VirtualDisk dst = type == Type.RAW ? RawDisk.open(part, false) : open(part, false)) {
                int chunk = 1 << 20;
                byte[] buf = new byte[chunk];
                for (long done = 0; done < size; ) {
                    int n = (int) Math.min(chunk, size - done);
                    src.read(done, ByteBuffer.wrap(buf, 0, n));
                    // Zero runs are skipped sector-wise, so a mostly empty chunk still leaves holes.
                    int s = 0;
                    while (s < n) {
                        int e = s;
                        boolean zero = FileIo.isZero(buf, s, 512);
                        while (e < n && FileIo.isZero(buf, e, 512) == zero) {
                            e += 512;
                        }
                        if (!zero) {
                            dst.write(done + s, ByteBuffer.wrap(buf, s, e - s));
                        }
                        s = e;
                    }
                    done += n;
                    if (progress != null) {
                        progress.update(done, size);
                    }
                }
                dst.flush();
            }
            try {
                Files.createLink(abs, part); // fails if the name appeared meanwhile: nothing is overwritten
            } catch (UnsupportedOperationException e) {
                Files.move(part, abs, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            VhdFiles.syncDirectory(abs.getParent());
        } finally {
            Files.deleteIfExists(part);
        }
    }
}
