package dev.celadon.device.serial;

import dev.celadon.hypervisor.api.InterruptLine;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.intercept.PortIoHandler;
import dev.celadon.hypervisor.api.intercept.Registration;
import java.util.ArrayDeque;

/**
 * A 16550A UART as PC guests expect at COM1 (ports 0x3F8-0x3FF, IRQ 4). Transmission is instant, so the
 * transmitter is always empty; received bytes queue until the guest reads them. The interrupt line follows
 * the highest-priority pending cause, like the real chip (and QEMU's), so Linux's 8250 driver and our
 * micro-guests both work with interrupts instead of polling: each register access is a VM exit.
 */
public final class Uart16550 implements PortIoHandler, PartitionDevice {

    public static final int COM1_BASE = 0x3F8;
    public static final int COM1_IRQ = 4;
    /** Host-side input waiting for the guest; beyond this {@link #receive} accepts only part. */
    public static final int RECEIVE_CAPACITY = 64 * 1024;

    // Register offsets from the base port.
    private static final int RBR_THR_DLL = 0;
    private static final int IER_DLM = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private static final int IER_RX_DATA = 0x01;
    private static final int IER_THR_EMPTY = 0x02;
    private static final int IER_LINE_STATUS = 0x04;
    private static final int IER_MODEM_STATUS = 0x08;

    private static final int IIR_NONE = 0x01;
    private static final int IIR_LINE_STATUS = 0x06;
    private static final int IIR_RX_DATA = 0x04;
    private static final int IIR_THR_EMPTY = 0x02;
    private static final int IIR_FIFO_ENABLED = 0xC0;

    private static final int LCR_DLAB = 0x80;
    private static final int MCR_LOOPBACK = 0x10;

    private static final int LSR_DATA_READY = 0x01;
    private static final int LSR_OVERRUN = 0x02;
    private static final int LSR_THR_EMPTY = 0x20;
    private static final int LSR_TRANSMITTER_EMPTY = 0x40;

    private static final int FCR_ENABLE = 0x01;
    private static final int FCR_CLEAR_RX = 0x02;

    private final int base;
    private final InterruptLine interrupt;
    private final SerialOutput output;
    private final ArrayDeque<Byte> rx = new ArrayDeque<>();
    private Registration registration;

    private int ier;
    private int lcr = 0x03; // 8N1, as after a BIOS
    private int mcr;
    private int scr;
    private int dll = 0x01; // 115200 baud
    private int dlm;
    private int fcr;
    private boolean overrun;
    /** THR-empty interrupt pending: set when the transmitter empties with IER enabling it, cleared by IIR read. */
    private boolean thrEmptyPending;
    private boolean irqAsserted;

    /** @param interrupt the line this UART drives (level: asserted while an interrupt is pending) */
    public Uart16550(int base, InterruptLine interrupt, SerialOutput output) {
        this.base = base;
        this.interrupt = interrupt;
        this.output = output;
    }

    /**
     * Puts a UART at {@code base} on the partition, driving {@code interrupt}; it is closed with the partition
     * (or earlier, by closing it, to take it away).
     */
    public static Uart16550 attach(Partition partition, int base, InterruptLine interrupt, SerialOutput output) {
        Uart16550 uart = new Uart16550(base, interrupt, output);
        uart.registration = partition.intercepts().portIo(base, 8, uart);
        partition.addDevice(uart);
        return uart;
    }

    @Override
    public String name() {
        return String.format("16550A UART at 0x%x", base);
    }

    /**
     * Queues bytes typed at the host for the guest to read. Returns how many were accepted; fewer than
     * {@code length} when the guest is not reading and the queue is full, so callers can retry rather than lose input.
     */
    public synchronized int receive(byte[] data, int offset, int length) {
        int accepted = Math.max(0, Math.min(length, RECEIVE_CAPACITY - rx.size()));
        for (int i = 0; i < accepted; i++) {
            rx.addLast(data[offset + i]);
        }
        updateIrq();
        return accepted;
    }

    public synchronized int pendingInput() {
        return rx.size();
    }

    @Override
    public synchronized int read(VirtualProcessor vp, int port, int size) {
        int value = readRegister(port - base);
        updateIrq();
        return value;
    }

    @Override
    public synchronized void write(VirtualProcessor vp, int port, int size, int value) {
        writeRegister(port - base, value & 0xFF);
        updateIrq();
    }

    private int readRegister(int offset) {
        switch (offset) {
            case RBR_THR_DLL:
                if ((lcr & LCR_DLAB) != 0) {
                    return dll;
                }
                Byte b = rx.pollFirst();
                return b == null ? 0 : b & 0xFF;
            case IER_DLM:
                return (lcr & LCR_DLAB) != 0 ? dlm : ier;
            case IIR_FCR: {
                int id = pendingInterrupt();
                if (id == IIR_THR_EMPTY) {
                    thrEmptyPending = false; // reading IIR acknowledges a THR-empty interrupt
                }
                return id | ((fcr & FCR_ENABLE) != 0 ? IIR_FIFO_ENABLED : 0);
            }
            case LCR:
                return lcr;
            case MCR:
                return mcr;
            case LSR: {
                int lsr = LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY;
                if (!rx.isEmpty()) {
                    lsr |= LSR_DATA_READY;
                }
                if (overrun) {
                    lsr |= LSR_OVERRUN;
                    overrun = false;
                }
                return lsr;
            }
            case MSR:
                if ((mcr & MCR_LOOPBACK) != 0) {
                    // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; Linux's probe checks this.
                    return ((mcr & 0x01) << 5) | ((mcr & 0x02) << 3) | ((mcr & 0x04) << 4) | ((mcr & 0x08) << 4);
                }
                return 0xB0; // carrier, data set ready, clear to send: a terminal is attached
            case SCR:
                return scr;
            default:
                return 0xFF;
        }
    }

    private void writeRegister(int offset, int value) {
        switch (offset) {
            case RBR_THR_DLL:
                if ((lcr & LCR_DLAB) != 0) {
                    dll = value;
                } else if ((mcr & MCR_LOOPBACK) != 0) {
                    if (rx.size() < RECEIVE_CAPACITY) {
                        rx.addLast((byte) value);
                    } else {
                        overrun = true;
                    }
                    thrEmptyPending = true;
                } else {
                    output.write((byte) value);
                    thrEmptyPending = true; // transmitted at once: the THR is empty again
                }
                break;
            case IER_DLM:
                if ((lcr & LCR_DLAB) != 0) {
                    dlm = value;
                } else {
                    boolean enablingThre = (value & IER_THR_EMPTY) != 0 && (ier & IER_THR_EMPTY) == 0;
                    ier = value & (IER_RX_DATA | IER_THR_EMPTY | IER_LINE_STATUS | IER_MODEM_STATUS);
                    if (enablingThre) {
                        thrEmptyPending = true; // the THR is empty, so enabling the interrupt raises it
                    }
                }
                break;
            case IIR_FCR:
                fcr = value & 0xC9;
                if ((value & FCR_CLEAR_RX) != 0) {
                    rx.clear();
                }
                break;
            case LCR:
                lcr = value;
                break;
            case MCR:
                mcr = value & 0x1F;
                break;
            case SCR:
                scr = value;
                break;
            default:
                break; // LSR and MSR are read-only
        }
    }

    /** The IIR identification of the highest-priority pending interrupt, or IIR_NONE. */
    private int pendingInterrupt() {
        if ((ier & IER_LINE_STATUS) != 0 && overrun) {
            return IIR_LINE_STATUS;
        }
        if ((ier & IER_RX_DATA) != 0 && !rx.isEmpty()) {
            return IIR_RX_DATA;
        }
        if ((ier & IER_THR_EMPTY) != 0 && thrEmptyPending) {
            return IIR_THR_EMPTY;
        }
        return IIR_NONE;
    }

    private void updateIrq() {
        boolean assert_ = pendingInterrupt() != IIR_NONE;
        if (assert_ != irqAsserted) {
            irqAsserted = assert_;
            if (assert_) {
                interrupt.assertLine();
            } else {
                interrupt.deassertLine();
            }
        }
    }

    @Override
    public synchronized void close() {
        if (registration != null) {
            registration.close();
            registration = null;
        }
    }
}
