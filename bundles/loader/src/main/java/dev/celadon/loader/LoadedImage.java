package dev.celadon.loader;

import dev.celadon.hypervisor.api.backend.BootState;

/**
 * A kernel written into guest memory.
 *
 * @param summary one line for logs: format, entry point and sizes
 */
public record LoadedImage(ImageFormat format, BootState bootState, String summary) {
}
