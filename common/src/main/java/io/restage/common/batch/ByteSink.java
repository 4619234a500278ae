package io.restage.common.batch;

import java.util.Arrays;

/** A growable byte buffer without synchronization (ByteArrayOutputStream locks on every write). */
public final class ByteSink {
    private byte[] buf;
    private int size;

    public ByteSink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    public void write2(int a, int b) {
        ensure(2);
        buf[size++] = (byte) a;
        buf[size++] = (byte) b;
    }

    public void write(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, buf, size, len);
        size += len;
    }

    public int size() {
        return size;
    }

    /** The backing array; valid bytes are {@code [0, size())}. */
    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    public void reset() {
        size = 0;
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }
}
