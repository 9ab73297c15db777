package dev.celadon.guest.linux.kit.internal;

import dev.celadon.guest.linux.kit.GuestKitException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Kernel modules with their dependencies, in an order that loads. Debian's package ships no modules.dep
 * (depmod makes it at install time), so dependencies come from each module's own {@code .modinfo}
 * section ("depends=a,b"), which is what depmod reads too.
 */
public final class ModuleSet {

    private final Path moduleRoot;
    private final Map<String, Path> files; // module name (dashes as underscores) -> .ko
    private final LinkedHashMap<String, Path> ordered = new LinkedHashMap<>();

    private ModuleSet(Path moduleRoot, Map<String, Path> files) {
        this.moduleRoot = moduleRoot;
        this.files = files;
    }

    public static ModuleSet resolve(Path moduleRoot, List<String> wanted) throws IOException {
        Map<String, Path> files = new HashMap<>();
        try (Stream<Path> walk = Files.walk(moduleRoot)) {
            walk.filter(p -> p.getFileName().toString().endsWith(".ko")).forEach(p -> {
                String f = p.getFileName().toString();
                files.put(canonical(f.substring(0, f.length() - 3)), p);
            });
        }
        ModuleSet set = new ModuleSet(moduleRoot, files);
        for (String m : wanted) {
            set.add(canonical(m), new LinkedHashSet<>());
        }
        return set;
    }

    static String canonical(String name) {
        return name.replace('-', '_');
    }

    private void add(String name, Set<String> visiting) throws IOException {
        if (ordered.containsKey(name)) {
            return;
        }
        if (!visiting.add(name)) {
            throw new GuestKitException("module dependency cycle through " + name);
        }
        Path ko = files.get(name);
        if (ko == null) {
            throw new GuestKitException("module " + name + " is not in " + moduleRoot
                    + " (is it built in, or missing from this kernel?)");
        }
        for (String dep : dependencies(Files.readAllBytes(ko))) {
            add(canonical(dep), visiting);
        }
        ordered.put(name, ko);
    }

    /** Load order: every module after the modules it depends on. */
    public List<String> loadOrder() {
        return List.copyOf(ordered.keySet());
    }

    /** Path of each module relative to the module root (lib/modules/RELEASE). */
    public Map<String, String> relativePaths() {
        Map<String, String> out = new LinkedHashMap<>();
        ordered.forEach((n, p) -> out.put(n, moduleRoot.relativize(p).toString()));
        return out;
    }

    public Path file(String name) {
        return ordered.get(name);
    }

    /** The "depends=" entry of an ELF64 module's .modinfo section. */
    static List<String> dependencies(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464C457F || elf[4] != 2) {
            throw new GuestKitException("not an ELF64 kernel module");
        }
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3A) & 0xFFFF;
        int shnum = b.getShort(0x3C) & 0xFFFF;
        int shstrndx = b.getShort(0x3E) & 0xFFFF;
        if (shoff <= 0 || shentsize < 64 || shoff + (long) shnum * shentsize > elf.length || shstrndx >= shnum) {
            throw new GuestKitException("kernel module has a bad section table");
        }
        long strOff = b.getLong((int) (shoff + (long) shstrndx * shentsize + 0x18));
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            String name = cString(elf, (int) (strOff + (b.getInt(sh) & 0xFFFFFFFFL)));
            if (".modinfo".equals(name)) {
                int off = (int) b.getLong(sh + 0x18);
                int size = (int) b.getLong(sh + 0x20);
                if (off < 0 || size < 0 || off + size > elf.length) {
                    throw new GuestKitException("kernel module has a bad .modinfo section");
                }
                for (String entry : new String(elf, off, size, StandardCharsets.US_ASCII).split("\0")) {
                    if (entry.startsWith("depends=")) {
                        List<String> deps = new ArrayList<>();
                        for (String d : entry.substring("depends=".length()).split(",")) {
                            if (!d.isBlank()) {
                                deps.add(d.trim());
                            }
                        }
                        return deps;
                    }
                }
                return List.of();
            }
        }
        return List.of();
    }

    private static String cString(byte[] b, int off) {
        int end = off;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }
}
