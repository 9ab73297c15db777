package dev.celadon.shell.internal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConsoleTextTest {

    private static String p(String s) {
        return ConsoleText.printable(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void busyboxCursorQueryAndColoursAreDropped() {
        // What the kit's busybox shell writes around its prompt (seen in vm:log of the demo).
        assertEquals("~ # ls\n", p("\u001b[6n~ # \u001b[1;32mls\u001b[0m\r\n"));
    }

    @Test
    void titleAndDeviceControlStringsAreDropped() {
        assertEquals("ab", p("a\u001b]0;owned\u0007b"));
        assertEquals("ab", p("a\u001b]2;x\u001b\\b"));
        assertEquals("ab", p("a\u001bPq#0;2;0;0;0\u001b\\b"));
    }

    @Test
    void otherEscapesAndControlsAreShownOrDropped() {
        assertEquals("xy", p("x\u001bcy"));         // full reset
        assertEquals("xy", p("x\u001b(By"));        // charset selection
        assertEquals("a^Gb^H^?\tc\n", p("a\u0007b\u0008\u007f\tc\n"));
        assertEquals("a\\x9b6n", p("a\u009b6n"));  // 8-bit CSI
    }

    @Test
    void unfinishedSequencesAtTheEndDoNotThrow() {
        assertEquals("a", p("a\u001b"));
        assertEquals("a", p("a\u001b[12;"));
        assertEquals("a", p("a\u001b]0;title without end"));
    }

    @Test
    void plainTextAndUtf8Stay() {
        assertEquals("Linux version 6.1 — ok ✓\n", p("Linux version 6.1 — ok ✓\r\n"));
    }
}
