package dev.celadon.vhd;

import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

/**
 * What a disk image says about itself.
 *
 * @param type            the image kind
 * @param virtualSize     bytes the guest sees
 * @param fileSize        bytes the file has
 * @param blockSize       bytes per block of a dynamic or differencing disk, 0 otherwise
 * @param totalBlocks     BAT entries (0 for fixed and raw)
 * @param allocatedBlocks blocks present in the file (0 for fixed and raw)
 * @param uuid            the disk's unique id (null for raw)
 * @param created         the footer's time stamp (null for raw)
 * @param creator         creator application and host OS, e.g. {@code "win  10.0 Wi2k"} (null for raw)
 * @param parent          the parent file a differencing disk resolves to, or null (none, or not found)
 * @param parentName      the parent name recorded in the header (differencing only), else null
 * @param parentUuid      the parent's unique id recorded in the header (differencing only), else null
 */
public record VhdInfo(Path path, Vhd.Type type, long virtualSize, long fileSize, int blockSize, long totalBlocks,
                      long allocatedBlocks, UUID uuid, Instant created, String creator, Path parent,
                      String parentName, UUID parentUuid) {
}
