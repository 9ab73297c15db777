package dev.celadon.loader.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.KernelFile;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.LoaderException;

import java.util.List;

/**
 * Loads a PVH ELF kernel: PT_LOAD segments at their physical addresses, struct hvm_start_info with the command
 * line, memory map and initrd module, and a 32-bit protected-mode entry with rbx pointing at the start info.
 * See {@link LowMemory} for the layout.
 */
public final class PvhLoader {

    public PvhLoader() {
    }

    public LoadedImage load(GuestMemory memory, BootRequest request) {
        ElfImage elf = ElfImage.parse(request.kernel()).requirePvh();
        // Validate everything before the first write so a refused image leaves memory untouched.
        Placement.requireLowMemory(memory, LowMemory.CMDLINE + LowMemory.CMDLINE_MAX);
        long kernelEnd = 0;
        for (ElfImage.Segment s : elf.segments()) {
            Placement.requireRam(memory, s.paddr(), s.memSize(), "ELF segment");
            if (s.paddr() < LowMemory.CMDLINE + LowMemory.CMDLINE_MAX && s.end() > LowMemory.GDT) {
                throw new LoaderException("ELF segment at " + Bytes.hex(s.paddr()) + "+" + Bytes.hex(s.memSize())
                        + " overlaps the loader's boot structures at 0x1000-0x7fff");
            }
            if (request.acpiRegion() != null && s.paddr() < request.acpiRegion().end()
                    && s.end() > request.acpiRegion().base()) {
                throw new LoaderException("ELF segment at " + Bytes.hex(s.paddr()) + "+" + Bytes.hex(s.memSize())
                        + " overlaps the ACPI region");
            }
            kernelEnd = Math.max(kernelEnd, s.end());
        }
        long entry = elf.pvhEntry();
        if (entry < 0x1000 || !memory.isRam(entry, 1)) {
            throw new LoaderException("PVH entry point " + Bytes.hex(entry) + " is not in guest RAM");
        }
        byte[] cmdline = Placement.cmdline(request.cmdline(), LowMemory.CMDLINE_MAX - 1);
        List<E820Entry> map = E820Entry.map(memory.regions(), request.acpiRegion());
        if (map.size() > LowMemory.MEMMAP_MAX_ENTRIES) {
            throw new LoaderException("memory map has " + map.size() + " entries, room for " + LowMemory.MEMMAP_MAX_ENTRIES);
        }
        KernelFile initrd = request.initrd();
        long initrdAddr = 0;
        if (initrd != null) {
            initrdAddr = Placement.highest(memory, initrd.size(),
                    Placement.alignUp(Math.max(kernelEnd, 0x100000), LowMemory.PAGE), LowMemory.LOW_RAM_TOP, "initrd");
        }

        for (ElfImage.Segment s : elf.segments()) {
            request.kernel().copyTo(memory, s.paddr(), s.offset(), s.fileSize());
            zero(memory, s.paddr() + s.fileSize(), s.memSize() - s.fileSize());
        }
        memory.write(LowMemory.GDT, Gdt.build(false));
        memory.write(LowMemory.CMDLINE, cmdline);
        memory.write(LowMemory.MEMMAP, HvmStartInfo.memmap(map));
        int modules = 0;
        if (initrd != null) {
            initrd.copyTo(memory, initrdAddr, 0, initrd.size());
            memory.write(LowMemory.MODLIST, HvmStartInfo.module(initrdAddr, initrd.size()));
            modules = 1;
        }
        memory.write(LowMemory.START_INFO, HvmStartInfo.startInfo(modules, LowMemory.MODLIST, LowMemory.CMDLINE,
                request.rsdpAddress(), LowMemory.MEMMAP, map.size()));

        BootState state = new BootState(BootState.Mode.PROTECTED_32, entry, 0, LowMemory.START_INFO, 0, 0,
                LowMemory.GDT, LowMemory.GDT_LIMIT, LowMemory.CODE_SELECTOR, LowMemory.DATA_SELECTOR);
        long loaded = elf.segments().stream().mapToLong(ElfImage.Segment::memSize).sum();
        String summary = String.format("PVH ELF: entry 0x%x, %d segments (%d bytes) up to 0x%x, start_info 0x%x, "
                        + "initrd %s, cmdline %d bytes", entry, elf.segments().size(), loaded, kernelEnd,
                LowMemory.START_INFO, initrd == null ? "none" : initrd.size() + " bytes at " + Bytes.hex(initrdAddr),
                cmdline.length - 1);
        return new LoadedImage(ImageFormat.PVH_ELF, state, summary);
    }

    static void zero(GuestMemory memory, long address, long length) {
        byte[] zeros = new byte[(int) Math.min(length, 1 << 20)];
        for (long done = 0; done < length; done += zeros.length) {
            memory.write(address + done, zeros, 0, (int) Math.min(zeros.length, length - done));
        }
    }
}
