package dev.celadon.loader.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.GuestLoader;
import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.LoaderException;
import org.osgi.service.component.annotations.Component;

/** The {@link GuestLoader} service: detects the image format and hands it to the matching loader. */
@Component(service = GuestLoader.class)
public final class KernelLoader implements GuestLoader {
    private final PvhLoader pvh = new PvhLoader();
    private final BzImageLoader bzImage = new BzImageLoader();
    private final MultibootLoader multiboot = new MultibootLoader();

    public KernelLoader() {
    }

    @Override
    public LoadedImage load(GuestMemory memory, BootRequest request) {
        try {
            return switch (ImageFormat.detect(request.kernel())) {
                case PVH_ELF -> pvh.load(memory, request);
                case BZIMAGE -> bzImage.load(memory, request);
                case MULTIBOOT -> multiboot.load(memory, request);
            };
        } catch (GuestMemoryException e) {
            // The loaders check RAM first; this is the backstop for a memory whose regions() and accessors disagree.
            throw new LoaderException("kernel image does not fit in guest RAM: " + e.getMessage(), e);
        }
    }
}
