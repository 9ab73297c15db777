package dev.celadon.shell.internal;

import java.nio.charset.StandardCharsets;

/**
 * A guest's console bytes made safe for the operator's terminal. A guest is hostile, and even a friendly one
 * writes terminal control sequences (busybox's shell asks for the cursor position with ESC [6n): printed as they
 * are, they move the operator's cursor, retitle the window or make the terminal answer into the Karaf prompt.
 * So escape sequences (CSI, OSC, DCS and two-byte ESC forms) are dropped and other control characters shown
 * as {@code ^X}; newlines and tabs stay, carriage returns go (the console history is CR LF).
 */
final class ConsoleText {
    private static final char ESC = 0x1b;
    private static final char BEL = 0x07;

    private ConsoleText() {
    }

    static String printable(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ESC) {
                i = skipEscape(s, i + 1);
                continue;
            }
            if (c == '\n' || c == '\t') {
                out.append(c);
            } else if (c == '\r') {
                // dropped
            } else if (c < 0x20 || c == 0x7f) {
                out.append('^').append((char) (c == 0x7f ? '?' : c + 0x40));
            } else if (c >= 0x80 && c < 0xa0) {
                // C1 controls (8-bit CSI 0x9b and friends) would be read as escapes by some terminals.
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
            i++;
        }
        return out.toString();
    }

    /** Index after the escape sequence whose ESC was just before {@code i} (an unfinished one runs to the end). */
    private static int skipEscape(String s, int i) {
        if (i >= s.length()) {
            return i;
        }
        char kind = s.charAt(i);
        if (kind == '[') {
            // CSI: parameter and intermediate bytes 0x20-0x3F, then one final byte 0x40-0x7E.
            i++;
            while (i < s.length() && s.charAt(i) >= 0x20 && s.charAt(i) <= 0x3f) {
                i++;
            }
            return i < s.length() && s.charAt(i) >= 0x40 && s.charAt(i) <= 0x7e ? i + 1 : i;
        }
        if (kind == ']' || kind == 'P' || kind == '_' || kind == '^' || kind == 'X') {
            // OSC, DCS, APC, PM, SOS: a string ended by BEL or ST (ESC \).
            i++;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == BEL) {
                    return i + 1;
                }
                if (c == ESC && i + 1 < s.length() && s.charAt(i + 1) == '\\') {
                    return i + 2;
                }
                i++;
            }
            return i;
        }
        // ESC + intermediates (0x20-0x2F) + one final byte: charset selection, ESC 7/8, ESC c (reset) ...
        while (i < s.length() && s.charAt(i) >= 0x20 && s.charAt(i) <= 0x2f) {
            i++;
        }
        return i < s.length() ? i + 1 : i;
    }
}
