package dev.celadon.loader.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.KernelFile;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.LoaderException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a Multiboot (version 1) kernel: its segments (ELF program headers, or the header's address fields),
 * the initrd as module 0 right after the kernel, and multiboot_info with mem_lower/mem_upper, the command line,
 * the module list, the memory map and the boot loader name. Entry is as the specification's "Machine state":
 * 32-bit protected mode, paging off, flat 4 GiB code and data segments, EAX = 0x2BADB002, EBX = the physical
 * address of multiboot_info, interrupts off (A20 is always on in a KVM guest). No stack is set: the kernel
 * must make its own. See {@link LowMemory} for the layout.
 */
public final class MultibootLoader {

    public MultibootLoader() {
    }

    public LoadedImage load(GuestMemory memory, BootRequest request) {
        KernelFile kernel = request.kernel();
        MultibootImage image = MultibootImage.resolve(kernel);
        MemoryRegion acpi = request.acpiRegion();

        // Validate everything before the first write so a refused image leaves memory untouched.
        Placement.requireLowMemory(memory, LowMemory.CMDLINE + LowMemory.CMDLINE_MAX);
        List<long[]> taken = new ArrayList<>();
        taken.add(new long[] {0, LowMemory.BOOT_STRUCTURES_END});
        if (acpi != null) {
            taken.add(new long[] {acpi.base(), acpi.end()});
        }
        for (ElfImage.Segment s : image.segments()) {
            String what = "Multiboot kernel (" + image.source() + ") at " + Bytes.hex(s.paddr()) + "+"
                    + Bytes.hex(s.memSize());
            Placement.requireRam(memory, s.paddr(), s.memSize(), what);
            if (s.paddr() < LowMemory.BOOT_STRUCTURES_END && s.end() > LowMemory.GDT) {
                throw new LoaderException(what + " overlaps the loader's boot structures at 0x1000-0x7fff");
            }
            if (acpi != null && s.paddr() < acpi.end() && s.end() > acpi.base()) {
                throw new LoaderException(what + " overlaps the ACPI region at " + Bytes.hex(acpi.base()) + "+"
                        + Bytes.hex(acpi.size()));
            }
            taken.add(new long[] {s.paddr(), s.end()});
        }
        long entry = image.entry();
        if (!memory.isRam(entry, 1) || image.segments().stream().noneMatch(s -> entry >= s.paddr() && entry < s.end())) {
            throw new LoaderException("Multiboot entry point " + Bytes.hex(entry) + " is not inside the loaded kernel ("
                    + Bytes.hex(image.start()) + "-" + Bytes.hex(image.end()) + ")");
        }
        byte[] cmdline = Placement.cmdline(request.cmdline(), LowMemory.CMDLINE_MAX - 1);
        List<E820Entry> map = E820Entry.map(memory.regions(), acpi);
        if (map.size() > LowMemory.MEMMAP_MAX_ENTRIES) {
            throw new LoaderException("memory map has " + map.size() + " entries, room for " + LowMemory.MEMMAP_MAX_ENTRIES);
        }

        List<KernelFile> files = request.initrd() == null ? List.of() : List.of(request.initrd());
        if (files.size() > LowMemory.MULTIBOOT_MAX_MODS) {
            throw new LoaderException(files.size() + " Multiboot modules, room for " + LowMemory.MULTIBOOT_MAX_MODS);
        }
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        long loaderName = addString(strings, MultibootInfo.BOOT_LOADER_NAME);
        List<MultibootInfo.Module> modules = new ArrayList<>();
        long floor = Placement.alignUp(image.end(), LowMemory.PAGE);
        for (KernelFile f : files) {
            long string = addString(strings, f.name());
            // Right after the kernel, as GRUB and QEMU do: kernels tested there often map only low memory.
            // Always page-aligned, which satisfies header flag 0 whether or not it is set.
            long at = Placement.lowest(memory, f.size(), floor, LowMemory.LOW_RAM_TOP, taken);
            if (at < 0) {
                at = Placement.lowest(memory, f.size(), LowMemory.BOOT_STRUCTURES_END, LowMemory.LOW_RAM_TOP, taken);
            }
            if (at < 0) {
                throw new LoaderException("Multiboot module " + f.name() + " of " + f.size() + " bytes does not fit in"
                        + " RAM below " + Bytes.hex(LowMemory.LOW_RAM_TOP) + " beside the kernel ("
                        + Bytes.hex(image.start()) + "-" + Bytes.hex(image.end()) + ") and the ACPI region ("
                        + Placement.describe(memory) + ")");
            }
            modules.add(new MultibootInfo.Module(at, at + f.size(), string));
            taken.add(new long[] {at, at + f.size()});
            floor = Placement.alignUp(at + f.size(), LowMemory.PAGE);
        }
        if (strings.size() > LowMemory.MULTIBOOT_STRINGS_SIZE) {
            throw new LoaderException("Multiboot module names take " + strings.size() + " bytes, room for "
                    + LowMemory.MULTIBOOT_STRINGS_SIZE);
        }
        long memLower = MultibootInfo.memLowerKib(map);
        long memUpper = MultibootInfo.memUpperKib(map);

        for (ElfImage.Segment s : image.segments()) {
            kernel.copyTo(memory, s.paddr(), s.offset(), s.fileSize());
            PvhLoader.zero(memory, s.paddr() + s.fileSize(), s.memSize() - s.fileSize());
        }
        for (int i = 0; i < files.size(); i++) {
            files.get(i).copyTo(memory, modules.get(i).start(), 0, files.get(i).size());
        }
        memory.write(LowMemory.GDT, Gdt.build(false));
        memory.write(LowMemory.CMDLINE, cmdline);
        memory.write(LowMemory.MULTIBOOT_STRINGS, strings.toByteArray());
        memory.write(LowMemory.MEMMAP, MultibootInfo.mmap(map));
        if (!modules.isEmpty()) {
            memory.write(LowMemory.MULTIBOOT_MODS, MultibootInfo.modules(modules));
        }
        memory.write(LowMemory.MULTIBOOT_INFO, MultibootInfo.info(memLower, memUpper, LowMemory.CMDLINE,
                modules.size(), modules.isEmpty() ? 0 : LowMemory.MULTIBOOT_MODS,
                map.size() * MultibootInfo.MMAP_ENTRY_SIZE, LowMemory.MEMMAP, loaderName));

        BootState state = new BootState(BootState.Mode.PROTECTED_32, entry, 0, MultibootInfo.BOOTLOADER_MAGIC & 0xffff_ffffL,
                LowMemory.MULTIBOOT_INFO, 0, 0, LowMemory.GDT, LowMemory.GDT_LIMIT, LowMemory.CODE_SELECTOR,
                LowMemory.DATA_SELECTOR);
        StringBuilder summary = new StringBuilder(String.format("Multiboot (%s, header flags 0x%x at file offset 0x%x):"
                        + " entry 0x%x, kernel 0x%x-0x%x, multiboot_info 0x%x, mem_lower %d KiB, mem_upper %d KiB, ",
                image.source(), image.header().flags(), image.header().offset(), entry, image.start(), image.end(),
                LowMemory.MULTIBOOT_INFO, memLower, memUpper));
        summary.append(modules.isEmpty() ? "no modules" : "module 0 " + files.get(0).size() + " bytes at "
                + Bytes.hex(modules.get(0).start()));
        summary.append(", cmdline ").append(cmdline.length - 1).append(" bytes");
        if (image.header().has(MultibootHeader.VIDEO_MODE)) {
            // QEMU does the same: the kernel sees info flags 11 and 12 clear and keeps the text console.
            summary.append("; note: the kernel asks for a video mode (header flag 2), not provided (no framebuffer)");
        }
        return new LoadedImage(ImageFormat.MULTIBOOT, state, summary.toString());
    }

    private static long addString(ByteArrayOutputStream strings, String s) {
        long at = LowMemory.MULTIBOOT_STRINGS + strings.size();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (byte c : b) {
            if (c == 0) {
                throw new LoaderException("Multiboot string contains a NUL byte: " + s);
            }
        }
        strings.writeBytes(b);
        strings.write(0);
        return at;
    }
}
