package io.restage.common.batch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * PostgreSQL COPY text format, as {@code COPY ... TO STDOUT} writes it: rows end with {@code \n}, fields are
 * separated by tabs, NULL is {@code \N}, and backslash escapes {@code \b \f \n \r \t \v \\}, octal and hex bytes.
 * Only fields a rule touches are decoded; the others are copied byte for byte, so untouched values arrive
 * exactly as the source printed them.
 */
public final class CopyText {

    /** Index of the end of the row starting at {@code from} (the position of its '\n', or {@code end}). */
    public static int rowEnd(byte[] buf, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return end;
    }

    /**
     * Splits the row {@code [rowStart, rowEnd)} into fields; fills {@code starts}/{@code ends} and returns the
     * number of fields. Escaped tabs are {@code \t} (two bytes), so a raw tab always separates fields.
     */
    public static int split(byte[] buf, int rowStart, int rowEnd, int[] starts, int[] ends) {
        int n = 0;
        int s = rowStart;
        for (int i = rowStart; i < rowEnd; i++) {
            if (buf[i] == '\t') {
                if (n == starts.length) {
                    throw new IllegalArgumentException("row has more fields than the header's " + starts.length + " columns");
                }
                starts[n] = s;
                ends[n++] = i;
                s = i + 1;
            }
        }
        if (n == starts.length) {
            throw new IllegalArgumentException("row has more fields than the header's " + starts.length + " columns");
        }
        starts[n] = s;
        ends[n++] = rowEnd;
        return n;
    }

    public static boolean isNull(byte[] buf, int s, int e) {
        return e - s == 2 && buf[s] == '\\' && buf[s + 1] == 'N';
    }

    /** The field's value, unescaped, or null for {@code \N}. */
    public static String decode(byte[] buf, int s, int e) {
        if (isNull(buf, s, e)) {
            return null;
        }
        boolean plain = true;
        for (int i = s; i < e; i++) {
            if (buf[i] == '\\') {
                plain = false;
                break;
            }
        }
        if (plain) {
            return new String(buf, s, e - s, StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(e - s);
        for (int i = s; i < e; i++) {
            byte b = buf[i];
            if (b != '\\' || i + 1 >= e) {
                out.write(b);
                continue;
            }
            byte c = buf[++i];
            switch (c) {
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(0x0b);
                case 'x' -> {
                    int v = 0;
                    int k = 0;
                    while (k < 2 && i + 1 < e && Character.digit(buf[i + 1], 16) >= 0) {
                        v = v * 16 + Character.digit(buf[++i], 16);
                        k++;
                    }
                    out.write(v);
                }
                default -> {
                    if (c >= '0' && c <= '7') {
                        int v = c - '0';
                        int k = 1;
                        while (k < 3 && i + 1 < e && buf[i + 1] >= '0' && buf[i + 1] <= '7') {
                            v = v * 8 + (buf[++i] - '0');
                            k++;
                        }
                        out.write(v);
                    } else {
                        out.write(c);
                    }
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Appends the value in COPY text form ({@code \N} for null). */
    public static void encode(String value, ByteSink out) {
        if (value == null) {
            out.write('\\');
            out.write('N');
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            switch (b) {
                case '\\' -> out.write2('\\', '\\');
                case '\n' -> out.write2('\\', 'n');
                case '\r' -> out.write2('\\', 'r');
                case '\t' -> out.write2('\\', 't');
                case '\b' -> out.write2('\\', 'b');
                case '\f' -> out.write2('\\', 'f');
                case 0x0b -> out.write2('\\', 'v');
                default -> out.write(b);
            }
        }
    }

    private CopyText() {
    }
}
