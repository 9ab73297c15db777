package dev.celadon.device.serial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.InterruptLine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Drives the UART through its registers the way a guest's 8250 driver does. */
class Uart16550Test {

    /** The interrupt line as an IOAPIC pin sees it. */
    static final class Line implements InterruptLine {
        final List<Boolean> edges = new ArrayList<>();
        boolean level;

        @Override
        public void assertLine() {
            level = true;
            edges.add(true);
        }

        @Override
        public void deassertLine() {
            level = false;
            edges.add(false);
        }
    }

    final Line line = new Line();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final Uart16550 uart = new Uart16550(0x3F8, line, out::write);

    int in(int offset) {
        return uart.read(null, 0x3F8 + offset, 1);
    }

    void out(int offset, int value) {
        uart.write(null, 0x3F8 + offset, 1, value);
    }

    @Test
    void transmitsWhatTheGuestWrites() {
        for (byte b : "hello\n".getBytes(StandardCharsets.US_ASCII)) {
            assertTrue((in(5) & 0x20) != 0, "THR empty before each byte");
            out(0, b);
        }
        assertEquals("hello\n", out.toString(StandardCharsets.US_ASCII));
        assertTrue(line.edges.isEmpty(), "no interrupt without IER");
    }

    @Test
    void receivedBytesRaiseTheLineUntilDrained() {
        out(1, 0x01); // IER: receive data available
        assertFalse(line.level);
        assertEquals(0x01, in(2) & 0x0F, "IIR: nothing pending");
        assertEquals(3, uart.receive("ab\r".getBytes(StandardCharsets.US_ASCII), 0, 3));
        assertTrue(line.level);
        assertEquals(0x04, in(2) & 0x0F, "IIR: receive data available");
        StringBuilder got = new StringBuilder();
        while ((in(5) & 0x01) != 0) {
            got.append((char) in(0));
        }
        assertEquals("ab\r", got.toString());
        assertFalse(line.level, "line drops when the FIFO is drained");
        assertEquals(List.of(true, false), line.edges);
    }

    @Test
    void thrEmptyInterruptFollowsThe8250Rules() {
        out(1, 0x02); // enabling ETBEI with an empty THR raises the interrupt at once
        assertTrue(line.level);
        assertEquals(0x02, in(2) & 0x0F);
        assertFalse(line.level, "reading IIR acknowledges THR empty");
        out(0, 'x');
        assertTrue(line.level, "the byte left at once: THR empty again");
        out(1, 0x00);
        assertFalse(line.level);
    }

    @Test
    void passesLinuxsProbe() {
        out(7, 0xA5); // scratch register
        assertEquals(0xA5, in(7));
        out(4, 0x10 | 0x0A); // loopback with RTS and OUT2
        assertEquals(0x90, in(6) & 0xF0, "loopback status as the 8250 probe expects");
        out(0, 'L');
        assertEquals('L', in(0), "loopback returns the transmitted byte");
        out(4, 0x0B);
        out(2, 0x07); // enable and clear FIFOs
        assertEquals(0xC0, in(2) & 0xC0, "16550A FIFO bits");
        out(3, 0x83); // DLAB
        out(0, 0x0C);
        out(1, 0x00);
        assertEquals(0x0C, in(0));
        out(3, 0x03);
        assertEquals(0x03, in(3));
        assertEquals(0, out.size(), "divisor writes are not data");
    }

    @Test
    void inputBeyondCapacityIsRefusedNotLost() {
        byte[] big = new byte[Uart16550.RECEIVE_CAPACITY + 10];
        assertEquals(Uart16550.RECEIVE_CAPACITY, uart.receive(big, 0, big.length));
        assertEquals(0, uart.receive(big, 0, 10));
        in(0);
        assertEquals(1, uart.receive(big, 0, 10));
    }
}
