package io.restage.export.batching;

import io.restage.common.Topics;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.ByteSink;
import io.restage.common.batch.Checksums;
import io.restage.common.batch.Column;
import java.util.List;

/**
 * Cuts one table's (or one chunk of a table's) COPY rows into batches of bounded size. The chunk that finishes
 * last ends the table with its marker. Memory is one batch per chunk being read, whatever the table's size.
 */
public final class TableBatcher {
    private final String refreshId;
    private final String source;
    private final String target;
    private final String table;
    private final List<Column> columns;
    private final List<String> skipAnonymizers;
    private final BatchSender sender;
    private final int maxBytes;
    private final int maxRows;
    private final ByteSink buffer;
    /** The fingerprint of the policy the batches are made under (the anonymizer and importer check it). */
    private final String policy;
    private final TableProgress progress;
    private final String key;
    private long rowsInBatch;
    /** The export's snapshot number, stamped on every header. */
    private final int attempt;

    /** A batcher for a whole table (one chunk). */
    public TableBatcher(String refreshId, String source, String target, String policy, String table, List<Column> columns,
                        List<String> skipAnonymizers, BatchSender sender, int maxBytes, int maxRows) {
        this(refreshId, source, target, policy, table, columns, skipAnonymizers, sender, maxBytes, maxRows, new TableProgress(1), -1, 1);
    }

    /**
     * A batcher for chunk {@code chunk} of a table read in parallel; chunks get their own Kafka key, so they spread
     * over partitions and are anonymized and staged in parallel.
     */
    public TableBatcher(String refreshId, String source, String target, String policy, String table, List<Column> columns,
                        List<String> skipAnonymizers, BatchSender sender, int maxBytes, int maxRows,
                        TableProgress progress, int chunk, int attempt) {
        this.refreshId = refreshId;
        this.attempt = attempt;
        this.policy = policy;
        this.source = source;
        this.target = target;
        this.table = table;
        this.columns = columns;
        this.skipAnonymizers = skipAnonymizers;
        this.sender = sender;
        this.maxBytes = maxBytes;
        this.maxRows = maxRows;
        this.buffer = new ByteSink(Math.min(maxBytes + 1024, 4 * 1024 * 1024));
        this.progress = progress;
        this.key = chunk < 0 ? Topics.batchKey(refreshId, table) : Topics.batchKey(refreshId, table) + "#" + chunk;
    }

    /** Adds one row as COPY produced it (terminated by '\n'). */
    public void add(byte[] row) {
        if (row.length > maxBytes) {
            sendInParts(row);
            return;
        }
        buffer.write(row, 0, row.length);
        rowsInBatch++;
        if (buffer.size() >= maxBytes || rowsInBatch >= maxRows) {
            flushBatch();
        }
    }

    /**
     * Sends the chunk's last partial batch; the last chunk of the table also sends the end marker. Returns the
     * table's row count when this was the last chunk, -1 otherwise.
     */
    public long finish() {
        if (rowsInBatch > 0) {
            flushBatch();
        }
        if (!progress.chunkDone()) {
            return -1;
        }
        // chunks use other keys, so the marker may overtake their batches: the importer proves completeness by
        // counting batches and checksums, whatever order they arrive in
        BatchHeader end = BatchHeader.end(refreshId, table, progress.rows(), columns, progress.batches(),
                progress.checksum(), skipAnonymizers).withRoute(source, target).withPolicy(policy).withAttempt(attempt);
        sender.send(Topics.batchKey(refreshId, table), BatchCodec.encode(end, null, 0));
        return progress.rows();
    }

    /**
     * A row larger than a batch (a 100 MB document) goes out as consecutive parts of at most one batch each, under
     * consecutive numbers and the chunk's key, so no record exceeds the batch limit and the importer can stream the
     * parts into COPY without holding the row.
     */
    private void sendInParts(byte[] row) {
        if (rowsInBatch > 0) {
            flushBatch();
        }
        int parts = (row.length + maxBytes - 1) / maxBytes;
        long first = progress.reserve(parts);
        for (int i = 0; i < parts; i++) {
            int off = i * maxBytes;
            int len = Math.min(maxBytes, row.length - off);
            long checksum = Checksums.of(row, off, len);
            long rows = i == parts - 1 ? 1 : 0;
            progress.partSent(rows, checksum);
            BatchHeader header = BatchHeader.rows(refreshId, table, first + i, rows, columns, checksum, skipAnonymizers)
                    .withRoute(source, target).withPolicy(policy).withAttempt(attempt).asPart(i, parts);
            sender.send(key, BatchCodec.encode(header, row, off, len));
        }
    }

    private void flushBatch() {
        long checksum = Checksums.of(buffer.array(), 0, buffer.size());
        long seq = progress.batchSent(rowsInBatch, checksum);
        BatchHeader header = BatchHeader.rows(refreshId, table, seq, rowsInBatch, columns, checksum, skipAnonymizers)
                .withRoute(source, target).withPolicy(policy).withAttempt(attempt);
        sender.send(key, BatchCodec.encode(header, buffer.array(), buffer.size()));
        long now = System.nanoTime();
        // read and sent: rows, bytes, and the time since the previous batch of this chunk
        io.restage.common.health.BatchMeters.batch(io.micrometer.core.instrument.Metrics.globalRegistry, "export", table,
                rowsInBatch, buffer.size(), now - lastFlush);
        lastFlush = now;
        buffer.reset();
        rowsInBatch = 0;
    }

    private long lastFlush = System.nanoTime();
}
