package io.restage.media.sync;

import io.restage.media.plan.MediaPlan;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The copy's work list on disk: the plan's steps that write something, spilled while the plan streams (so the totals
 * are known before the first copy, for the progress, and memory never holds the list), read back once, deleted on
 * close. A few dozen bytes per object: a million changed objects take tens of MB of temporary disk, not of heap.
 */
final class WorkSpill implements AutoCloseable {
    /** One object to write: a copy, or a placeholder (the target may turn out to hold it already). */
    record Work(MediaPlan.Kind kind, String key, long size, String sourceEtag, String targetEtag, boolean keepDimensions) {
    }

    private final Path file;
    private final DataOutputStream out;
    private long count;
    private long bytes;

    WorkSpill() throws IOException {
        file = Files.createTempFile("restage-media-work-", ".bin");
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024));
    }

    void add(MediaPlan.Step s) throws IOException {
        out.writeByte(s.kind().ordinal());
        out.writeUTF(s.key());
        out.writeLong(s.source().size());
        out.writeUTF(s.source().etag() == null ? "" : s.source().etag());
        out.writeUTF(s.target() == null ? "" : s.target().etag());
        out.writeBoolean(s.target() != null);
        out.writeBoolean(s.keepDimensions());
        count++;
        bytes += s.source().size();
    }

    long count() {
        return count;
    }

    long bytes() {
        return bytes;
    }

    /** The spilled work, in the order it was added. */
    Iterator<Work> read() throws IOException {
        out.close();
        DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 64 * 1024));
        return new Iterator<>() {
            private long left = count;

            @Override
            public boolean hasNext() {
                if (left == 0) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // read to the end: nothing is lost
                    }
                }
                return left > 0;
            }

            @Override
            public Work next() {
                if (left <= 0) {
                    throw new NoSuchElementException();
                }
                try {
                    MediaPlan.Kind kind = MediaPlan.Kind.values()[in.readByte()];
                    String key = in.readUTF();
                    long size = in.readLong();
                    String sourceEtag = in.readUTF();
                    String etag = in.readUTF();
                    boolean present = in.readBoolean();
                    boolean dims = in.readBoolean();
                    left--;
                    return new Work(kind, key, size, sourceEtag.isEmpty() ? null : sourceEtag, present ? etag : null, dims);
                } catch (EOFException e) {
                    throw new IllegalStateException("the media work list ended early", e);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
