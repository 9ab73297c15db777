package dev.celadon.guest.linux.kit.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/** Writes the initramfs: a gzip-compressed cpio "newc" archive, the format the kernel unpacks. */
public final class InitramfsBuilder {

    /** The line tests and operators wait for; it carries what the guest sees. */
    public static final String READY_LINE = "CELADON-GUEST-READY cpus=$cpus mem_kb=$mem";
    /**
     * Busybox applets linked in /bin: the init script's, an operator's everyday ones, and what the tests use to
     * check a guest from outside (awk, sha256sum/md5sum, dd, taskset for SMP stress, sync before poweroff).
     */
    static final List<String> APPLETS = List.of("sh", "mount", "insmod", "cat", "echo", "grep", "sed", "ls",
            "dmesg", "cttyhack", "setsid", "poweroff", "reboot", "halt", "uname", "ps", "wc", "awk", "sha256sum",
            "md5sum", "dd", "head", "tail", "taskset", "seq", "sleep", "sync", "rm", "kill", "nproc", "uptime",
            "free", "top", "mkdir", "cp", "mv", "od", "hexdump", "cmp", "lsmod", "date", "true", "false", "env");

    private final String release;
    private final Path busybox;
    private final ModuleSet modules;

    public InitramfsBuilder(String release, Path busybox, ModuleSet modules) {
        this.release = release;
        this.busybox = busybox;
        this.modules = modules;
    }

    /** The /init script: mount the pseudo file systems, load the modules in order, report, then a shell. */
    public String initScript() {
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/sh\n");
        s.append("# Celadon guest kit init: the kernel's own Hyper-V drivers, then a console shell.\n");
        s.append("/bin/busybox mkdir -p /proc /sys /dev /tmp\n");
        s.append("mount -t proc proc /proc\n");
        s.append("mount -t sysfs sysfs /sys\n");
        s.append("mount -t devtmpfs devtmpfs /dev\n");
        for (Map.Entry<String, String> m : modules.relativePaths().entrySet()) {
            s.append("insmod /lib/modules/").append(release).append('/').append(m.getValue())
                    .append(" || echo \"celadon: could not load ").append(m.getKey()).append("\"\n");
        }
        s.append("cpus=$(grep -c ^processor /proc/cpuinfo)\n");
        s.append("mem=$(sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo)\n");
        s.append("echo \"").append(READY_LINE).append("\" > /dev/console\n");
        // PID 1 stays this script so that busybox's poweroff/reboot/halt (signals to PID 1: USR2, TERM, USR1)
        // end the guest through the kernel (ACPI S5 for poweroff). The console shell runs as its child, started
        // again if it exits; `wait` is where a trapped signal gets in.
        s.append("trap 'sync; poweroff -f' USR2\n");
        s.append("trap 'sync; reboot -f' TERM\n");
        s.append("trap 'sync; halt -f' USR1\n");
        s.append("while :; do setsid cttyhack sh & wait $!; done\n");
        return s.toString();
    }

    /** Bump when initScript() or the layout changes shape: with the applets it makes {@link #layoutStamp()}. */
    static final int SCRIPT_VERSION = 5;

    /**
     * What identifies this initramfs's layout (the init script's version and the applets): the guest kit rebuilds
     * a cached initramfs whose stamp differs, so a changed script or applet list never meets an old cache.
     */
    public static String layoutStamp() {
        return SCRIPT_VERSION + ":" + Integer.toHexString(String.join(",", APPLETS).hashCode());
    }

    public void write(Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (OutputStream file = Files.newOutputStream(tmp);
             GZIPOutputStream gz = new GZIPOutputStream(file);
             CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(gz, CpioConstants.FORMAT_NEW)) {
            Set<String> dirs = new LinkedHashSet<>();
            for (String d : List.of("bin", "sbin", "dev", "proc", "sys", "tmp", "lib", "lib/modules",
                    "lib/modules/" + release)) {
                dir(cpio, d, dirs);
            }
            file(cpio, "bin/busybox", Files.readAllBytes(busybox), 0755);
            for (String applet : APPLETS) {
                symlink(cpio, "bin/" + applet, "busybox");
            }
            // Where the kernel itself looks: orderly_poweroff() (hv_utils' shutdown service, ACPI power button)
            // runs /sbin/poweroff and reboot runs /sbin/reboot; without them it logs "Failed to start orderly
            // shutdown: forcing the issue" and powers off without init's sync.
            for (String applet : List.of("poweroff", "reboot")) {
                symlink(cpio, "sbin/" + applet, "/bin/busybox");
            }
            file(cpio, "init", initScript().getBytes(StandardCharsets.US_ASCII), 0755);
            for (Map.Entry<String, String> m : modules.relativePaths().entrySet()) {
                String path = "lib/modules/" + release + "/" + m.getValue();
                String parent = path.substring(0, path.lastIndexOf('/'));
                StringBuilder acc = new StringBuilder();
                for (String part : parent.split("/")) {
                    acc.append(acc.length() == 0 ? "" : "/").append(part);
                    dir(cpio, acc.toString(), dirs);
                }
                file(cpio, path, Files.readAllBytes(modules.file(m.getKey())), 0644);
            }
            cpio.finish();
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void dir(CpioArchiveOutputStream cpio, String name, Set<String> done) throws IOException {
        if (!done.add(name)) {
            return;
        }
        CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
        e.setMode(CpioConstants.C_ISDIR | 0755);
        e.setNumberOfLinks(2);
        cpio.putArchiveEntry(e);
        cpio.closeArchiveEntry();
    }

    private static void file(CpioArchiveOutputStream cpio, String name, byte[] data, int mode) throws IOException {
        CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
        e.setMode(CpioConstants.C_ISREG | mode);
        e.setSize(data.length);
        e.setNumberOfLinks(1);
        cpio.putArchiveEntry(e);
        cpio.write(data);
        cpio.closeArchiveEntry();
    }

    private static void symlink(CpioArchiveOutputStream cpio, String name, String target) throws IOException {
        byte[] t = target.getBytes(StandardCharsets.US_ASCII);
        CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
        e.setMode(CpioConstants.C_ISLNK | 0777);
        e.setSize(t.length);
        e.setNumberOfLinks(1);
        cpio.putArchiveEntry(e);
        cpio.write(t);
        cpio.closeArchiveEntry();
    }
}
