package dev.celadon.enlightenment.crash.internal;

import dev.celadon.device.serial.SerialOutput;
import dev.celadon.device.serial.Uart16550;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.internal.KernelLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A micro-guest's COM1 output (through the real 16550A), with waits for lines and "key=value" lookups. */
final class GuestConsole implements SerialOutput {

    static final long TIMEOUT_MS = 60_000;

    private final StringBuilder out = new StringBuilder();
    private final Partition partition;

    private GuestConsole(Partition partition) {
        this.partition = partition;
    }

    /** Attaches COM1 to {@code p}, loads micro-guest {@code image} with {@code cmdline} and starts it. */
    static GuestConsole boot(Partition p, String image, String cmdline) {
        GuestConsole con = new GuestConsole(p);
        Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), con);
        LoadedImage img = new KernelLoader().load(p.memory(), BootRequest.of(MicroGuests.image(image), null, cmdline));
        p.start(img.bootState());
        return con;
    }

    @Override
    public synchronized void write(byte b) {
        if (b != '\r') {
            out.append((char) (b & 0xFF));
        }
        notifyAll();
    }

    synchronized String text() {
        return out.toString();
    }

    /** Waits for a line starting with {@code prefix}; fails if the partition ends first. */
    synchronized void await(String prefix) throws InterruptedException {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        Pattern p = Pattern.compile("(?m)^" + Pattern.quote(prefix) + ".*\n");
        while (!p.matcher(out).find()) {
            long left = end - System.currentTimeMillis();
            if (left <= 0 || partition.state().isTerminal()) {
                throw new AssertionError("no '" + prefix + "' (" + partition.state() + " "
                        + partition.failureReason().orElse("") + "); console:\n" + out);
            }
            wait(Math.min(left, 200));
        }
    }

    /** The rest of the line after "key=" (first such line). */
    synchronized String value(String key) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "=(.*)$").matcher(out);
        if (!m.find()) {
            throw new AssertionError("no '" + key + "=' on the console:\n" + out);
        }
        return m.group(1);
    }

    /**
     * The number after "name=" on the first line that starts with {@code line} and has that field (decimal, or hex
     * with {@code radix} 16).
     */
    synchronized long field(String line, String name, int radix) {
        Pattern f = Pattern.compile("(?:^|\\s)" + Pattern.quote(name) + "=([0-9a-f]+)");
        for (String l : out.toString().split("\n")) {
            if (l.startsWith(line)) {
                Matcher m = f.matcher(l);
                if (m.find()) {
                    return Long.parseUnsignedLong(m.group(1), radix);
                }
            }
        }
        throw new AssertionError("no '" + name + "=' on a '" + line + "' line:\n" + out);
    }
}
