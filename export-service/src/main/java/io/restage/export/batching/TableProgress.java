package io.restage.export.batching;

/**
 * What the chunks of one table share while they are read in parallel: the next batch number, the rows and the
 * checksum sum so far, and how many chunks are still running. The chunk that finishes last sends the end marker,
 * so the marker always counts every batch of every chunk.
 */
public final class TableProgress {
    private long nextSeq;
    private long rows;
    private long checksum;
    private int chunksLeft;

    public TableProgress(int chunks) {
        this.chunksLeft = chunks;
    }

    synchronized long batchSent(long batchRows, long batchChecksum) {
        rows += batchRows;
        checksum = io.restage.common.batch.Checksums.combine(checksum, batchChecksum);
        return nextSeq++;
    }

    /** Reserves {@code n} consecutive batch numbers (the parts of one oversized row); returns the first. */
    synchronized long reserve(int n) {
        long first = nextSeq;
        nextSeq += n;
        return first;
    }

    /** Counts a part sent under a reserved number. */
    synchronized void partSent(long partRows, long partChecksum) {
        rows += partRows;
        checksum = io.restage.common.batch.Checksums.combine(checksum, partChecksum);
    }

    /** Marks one chunk done; true for the last one, which then sends the end marker. */
    synchronized boolean chunkDone() {
        return --chunksLeft == 0;
    }

    public synchronized long rows() {
        return rows;
    }

    synchronized long batches() {
        return nextSeq;
    }

    synchronized long checksum() {
        return checksum;
    }
}
