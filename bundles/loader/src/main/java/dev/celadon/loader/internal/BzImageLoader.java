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
 * Loads a bzImage through the 64-bit Linux boot protocol: boot_params (zero page) with the copied setup
 * header, e820 map, command line and initrd; the protected-mode kernel at pref_address (relocatable) or 1 MiB;
 * identity page tables for the first 4 GiB; entry at load address + 0x200 with rsi = boot_params.
 * See {@link LowMemory} for the layout.
 */
public final class BzImageLoader {
    static final int TYPE_OF_LOADER_UNDEFINED = 0xFF;
    /** heap_end_ptr: end of the setup heap relative to the real-mode code, minus 0x200 (boot.rst). */
    static final int HEAP_END = 0xFE00;
    static final long ENTRY_64_OFFSET = 0x200;

    public BzImageLoader() {
    }

    public LoadedImage load(GuestMemory memory, BootRequest request) {
        KernelFile image = request.kernel();
        SetupHeader hdr = SetupHeader.parse(image.head(), image.size());

        Placement.requireLowMemory(memory, LowMemory.CMDLINE + LowMemory.CMDLINE_MAX);
        Placement.requireRam(memory, LowMemory.PAGE_TABLES, LowMemory.PAGE_TABLES_END - LowMemory.PAGE_TABLES,
                "the boot page tables");
        int kernelOffset = hdr.kernelOffset();
        long kernelSize = image.size() - kernelOffset;
        long load;
        if (hdr.relocatable()) {
            load = Placement.alignUp(Math.max(hdr.prefAddress(), LowMemory.KERNEL_DEFAULT), hdr.kernelAlignment());
        } else {
            load = LowMemory.KERNEL_DEFAULT;
        }
        // init_size is what the kernel needs at its load address while it decompresses and starts.
        long footprint = Math.max(hdr.initSize(), kernelSize);
        if (load + footprint > LowMemory.LOW_RAM_TOP) {
            throw new LoaderException("bzImage needs " + footprint + " bytes at " + Bytes.hex(load)
                    + ", beyond the 3 GiB low RAM");
        }
        Placement.requireRam(memory, load, footprint, "bzImage kernel (init_size " + hdr.initSize() + ")");
        byte[] cmdline = Placement.cmdline(request.cmdline(), hdr.cmdlineSize());
        List<E820Entry> map = E820Entry.map(memory.regions(), request.acpiRegion());
        if (map.size() > BootParams.E820_MAX) {
            throw new LoaderException("memory map has " + map.size() + " entries, boot_params holds " + BootParams.E820_MAX);
        }
        KernelFile initrd = request.initrd() == null || request.initrd().size() == 0 ? null : request.initrd();
        long initrdAddr = 0;
        if (initrd != null) {
            long top = Math.min(hdr.initrdAddrMax() + 1, LowMemory.LOW_RAM_TOP);
            initrdAddr = Placement.highest(memory, initrd.size(), Placement.alignUp(load + footprint, LowMemory.PAGE),
                    top, "initrd");
        }

        BootParams bp = new BootParams(hdr);
        bp.set8(SetupHeader.TYPE_OF_LOADER, TYPE_OF_LOADER_UNDEFINED);
        bp.set8(SetupHeader.LOADFLAGS, bp.get8(SetupHeader.LOADFLAGS) | SetupHeader.LOADED_HIGH | SetupHeader.CAN_USE_HEAP);
        bp.set16(SetupHeader.HEAP_END_PTR, HEAP_END);
        bp.set32(SetupHeader.CMD_LINE_PTR, LowMemory.CMDLINE);
        bp.set32(BootParams.EXT_CMD_LINE_PTR, 0);
        if (initrd != null) {
            bp.set32(SetupHeader.RAMDISK_IMAGE, initrdAddr & 0xffff_ffffL);
            bp.set32(SetupHeader.RAMDISK_SIZE, initrd.size() & 0xffff_ffffL);
            bp.set32(BootParams.EXT_RAMDISK_IMAGE, initrdAddr >>> 32);
            bp.set32(BootParams.EXT_RAMDISK_SIZE, initrd.size() >>> 32);
        }
        if (hdr.version() >= 0x020E) {
            bp.set64(BootParams.ACPI_RSDP_ADDR, request.rsdpAddress());
        }
        bp.e820(map);

        image.copyTo(memory, load, kernelOffset, kernelSize);
        if (initrd != null) {
            initrd.copyTo(memory, initrdAddr, 0, initrd.size());
        }
        memory.write(LowMemory.CMDLINE, cmdline);
        memory.write(LowMemory.BOOT_PARAMS, bp.b);
        memory.write(LowMemory.GDT, Gdt.build(true));
        memory.write(LowMemory.PAGE_TABLES, PageTables.build());

        BootState state = new BootState(BootState.Mode.LONG_64, load + ENTRY_64_OFFSET, 0, 0, LowMemory.BOOT_PARAMS,
                PageTables.PML4, LowMemory.GDT, LowMemory.GDT_LIMIT, LowMemory.CODE_SELECTOR, LowMemory.DATA_SELECTOR);
        String summary = String.format("bzImage (boot protocol %d.%02d): kernel %d bytes at 0x%x (init_size %d), "
                        + "entry 0x%x, boot_params 0x%x, initrd %s, cmdline %d bytes", hdr.version() >> 8,
                hdr.version() & 0xff, kernelSize, load, hdr.initSize(), state.rip(), LowMemory.BOOT_PARAMS,
                initrd == null ? "none" : initrd.size() + " bytes at " + Bytes.hex(initrdAddr),
                cmdline.length - 1);
        return new LoadedImage(ImageFormat.BZIMAGE, state, summary);
    }
}
