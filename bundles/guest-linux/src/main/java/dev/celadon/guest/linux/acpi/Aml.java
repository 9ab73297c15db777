package dev.celadon.guest.linux.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A small AML (ACPI Machine Language) writer for the DSDT: scopes, devices, named integers, strings, packages
 * and _CRS resource templates. Every method appends to this builder; nested objects take a body that fills a
 * child builder, whose bytes are then wrapped with their PkgLength.
 *
 * <pre>
 * aml.device("VMBS", d -&gt; d.hid("VMBus").uid(0).sta(0x0F).crs(Aml.irqNoFlags(5)));
 * </pre>
 */
public final class Aml {
    // Opcodes (ACPI spec, "AML Grammar Definition")
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0A;
    static final int WORD_PREFIX = 0x0B;
    static final int DWORD_PREFIX = 0x0C;
    static final int STRING_PREFIX = 0x0D;
    static final int QWORD_PREFIX = 0x0E;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int EXT_OP_PREFIX = 0x5B;
    static final int DEVICE_OP = 0x82;
    static final int ONES_OP = 0xFF;
    static final int ROOT_CHAR = '\\';
    static final int DUAL_NAME_PREFIX = 0x2E;
    static final int MULTI_NAME_PREFIX = 0x2F;
    // Resource descriptor tags
    static final int SMALL_IRQ_NO_FLAGS = 0x22;
    static final int SMALL_IO = 0x47;
    static final int SMALL_END_TAG = 0x79;
    static final int LARGE_EXTENDED_IRQ = 0x89;

    private static final Pattern EISA_ID = Pattern.compile("[A-Z]{3}[0-9A-F]{4}");
    private static final Pattern NAME_SEG = Pattern.compile("[A-Z_][A-Z0-9_]{0,3}");

    /** A resource descriptor for {@link #crs}. */
    public record Resource(byte[] bytes) {
        public Resource {
            bytes = bytes.clone();
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public byte[] toBytes() {
        return out.toByteArray();
    }

    /** Scope(path) { body }, e.g. {@code scope("\\_SB", ...)}. */
    public Aml scope(String path, Consumer<Aml> body) {
        out.write(SCOPE_OP);
        return pkg(nameString(path), body);
    }

    /** Device(name) { body }. */
    public Aml device(String name, Consumer<Aml> body) {
        out.write(EXT_OP_PREFIX);
        out.write(DEVICE_OP);
        return pkg(nameString(name), body);
    }

    /** Name(name, integer). */
    public Aml name(String name, long value) {
        nameOp(name);
        integer(value);
        return this;
    }

    /** Name(name, "string"). */
    public Aml name(String name, String value) {
        nameOp(name);
        string(value);
        return this;
    }

    /** Name(name, Package() { integers }), e.g. _S5_. */
    public Aml namePackage(String name, long... values) {
        nameOp(name);
        Aml body = new Aml();
        body.out.write(values.length);
        for (long v : values) {
            body.integer(v);
        }
        out.write(PACKAGE_OP);
        writeWithPkgLength(body.toBytes());
        return this;
    }

    /** _HID: an EISA ID ("PNP0501") is stored compressed, anything else ("VMBus") as a string. */
    public Aml hid(String id) {
        if (EISA_ID.matcher(id).matches()) {
            return name("_HID", eisaId(id));
        }
        return name("_HID", id);
    }

    public Aml uid(long uid) {
        return name("_UID", uid);
    }

    /** _STA as a constant; 0x0F = present, enabled, shown, functioning. */
    public Aml sta(int status) {
        return name("_STA", status);
    }

    /** Name(_CRS, ResourceTemplate() { resources }). */
    public Aml crs(Resource... resources) {
        ByteArrayOutputStream template = new ByteArrayOutputStream();
        for (Resource r : resources) {
            template.writeBytes(r.bytes);
        }
        template.write(SMALL_END_TAG);
        template.write(0); // checksum 0: "treated as if the checksum operation succeeded"
        byte[] t = template.toByteArray();
        nameOp("_CRS");
        Aml body = new Aml();
        body.integer(t.length);
        body.out.writeBytes(t);
        out.write(BUFFER_OP);
        writeWithPkgLength(body.toBytes());
        return this;
    }

    /** Raw AML, for constructs this builder does not cover. */
    public Aml raw(byte[] aml) {
        out.writeBytes(aml);
        return this;
    }

    /** IO(Decode16, min, max, alignment, length). */
    public static Resource io(int min, int max, int alignment, int length) {
        checkRange(min, 0xFFFF, "IO minimum");
        checkRange(max, 0xFFFF, "IO maximum");
        checkRange(alignment, 0xFF, "IO alignment");
        checkRange(length, 0xFF, "IO length");
        return new Resource(new byte[] {(byte) SMALL_IO, 1, (byte) min, (byte) (min >> 8), (byte) max,
                (byte) (max >> 8), (byte) alignment, (byte) length});
    }

    /** IRQNoFlags() { irqs }: ISA IRQs 0-15, edge, active high. */
    public static Resource irqNoFlags(int... irqs) {
        int mask = 0;
        for (int irq : irqs) {
            checkRange(irq, 15, "ISA IRQ");
            mask |= 1 << irq;
        }
        return new Resource(new byte[] {(byte) SMALL_IRQ_NO_FLAGS, (byte) mask, (byte) (mask >> 8)});
    }

    /** Interrupt(ResourceConsumer, edge/level, active high/low, shared/exclusive) { gsis }. */
    public static Resource interrupt(boolean edge, boolean activeLow, boolean shared, int... gsis) {
        if (gsis.length == 0 || gsis.length > 255) {
            throw new IllegalArgumentException("Interrupt() needs 1-255 interrupts");
        }
        int length = 2 + 4 * gsis.length;
        byte[] b = new byte[3 + length];
        b[0] = (byte) LARGE_EXTENDED_IRQ;
        b[1] = (byte) length;
        b[2] = (byte) (length >> 8);
        b[3] = (byte) (1 | (edge ? 2 : 0) | (activeLow ? 4 : 0) | (shared ? 8 : 0)); // bit 0: consumer
        b[4] = (byte) gsis.length;
        for (int i = 0; i < gsis.length; i++) {
            int g = gsis[i];
            b[5 + 4 * i] = (byte) g;
            b[6 + 4 * i] = (byte) (g >> 8);
            b[7 + 4 * i] = (byte) (g >> 16);
            b[8 + 4 * i] = (byte) (g >> 24);
        }
        return new Resource(b);
    }

    /** The 32-bit compressed EISA ID ("PNP0501" = 0x0105D041): 3 letters in 5 bits each, then 4 hex digits. */
    public static long eisaId(String id) {
        if (!EISA_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an EISA ID: " + id);
        }
        int vendor = (id.charAt(0) - 0x40) << 10 | (id.charAt(1) - 0x40) << 5 | (id.charAt(2) - 0x40);
        int product = Integer.parseInt(id.substring(3), 16);
        // Stored big-endian in a little-endian dword.
        return (vendor >> 8 & 0xFF) | (vendor & 0xFF) << 8 | (product >> 8 & 0xFF) << 16 | (long) (product & 0xFF) << 24;
    }

    private void nameOp(String name) {
        out.write(NAME_OP);
        out.writeBytes(nameString(name));
    }

    /** The smallest encoding for an integer: Zero, One, Ones or a prefixed byte/word/dword/qword. */
    private void integer(long v) {
        if (v == 0) {
            out.write(ZERO_OP);
        } else if (v == 1) {
            out.write(ONE_OP);
        } else if (v == -1) {
            out.write(ONES_OP);
        } else if (v > 0 && v <= 0xFF) {
            out.write(BYTE_PREFIX);
            out.write((int) v);
        } else if (v > 0 && v <= 0xFFFF) {
            out.write(WORD_PREFIX);
            littleEndian(v, 2);
        } else if (v > 0 && v <= 0xFFFF_FFFFL) {
            out.write(DWORD_PREFIX);
            littleEndian(v, 4);
        } else {
            out.write(QWORD_PREFIX);
            littleEndian(v, 8);
        }
    }

    private void string(String s) {
        for (char c : s.toCharArray()) {
            if (c == 0 || c > 0x7F) {
                throw new IllegalArgumentException("AML strings are ASCII without NUL: " + s);
            }
        }
        out.write(STRING_PREFIX);
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
    }

    private void littleEndian(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    private Aml pkg(byte[] name, Consumer<Aml> body) {
        Aml child = new Aml();
        body.accept(child);
        byte[] content = new byte[name.length + child.out.size()];
        System.arraycopy(name, 0, content, 0, name.length);
        System.arraycopy(child.toBytes(), 0, content, name.length, child.out.size());
        writeWithPkgLength(content);
        return this;
    }

    /** PkgLength counts itself: one byte up to 63, else 2-4 bytes with the count in bits 7-6 of the first. */
    private void writeWithPkgLength(byte[] content) {
        int len = content.length;
        if (len + 1 <= 0x3F) {
            out.write(len + 1);
        } else {
            int extra = len + 2 < 1 << 12 ? 1 : len + 3 < 1 << 20 ? 2 : 3;
            int total = len + 1 + extra;
            if (total >= 1 << 28) {
                throw new IllegalArgumentException("AML package too large: " + len);
            }
            out.write(extra << 6 | total & 0x0F);
            for (int i = 0; i < extra; i++) {
                out.write(total >>> (4 + 8 * i));
            }
        }
        out.writeBytes(content);
    }

    /** "\_SB.COM1" to [root prefix][dual/multi name prefix]NameSegs, each segment padded with '_' to 4. */
    static byte[] nameString(String path) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String p = path;
        if (p.startsWith("\\")) {
            b.write(ROOT_CHAR);
            p = p.substring(1);
        }
        String[] segs = p.isEmpty() ? new String[0] : p.split("\\.");
        if (segs.length == 2) {
            b.write(DUAL_NAME_PREFIX);
        } else if (segs.length > 2) {
            b.write(MULTI_NAME_PREFIX);
            b.write(segs.length);
        } else if (segs.length == 0) {
            b.write(0); // NullName
        }
        for (String s : segs) {
            if (!NAME_SEG.matcher(s).matches()) {
                throw new IllegalArgumentException("bad AML name segment '" + s + "' in " + path);
            }
            b.writeBytes((s + "___".substring(0, 4 - s.length())).getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    private static void checkRange(int v, int max, String what) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException(what + " " + v + " out of range 0-" + max);
        }
    }
}
