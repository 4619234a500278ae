package io.restage.export.batching;

import io.restage.common.Topics;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.ByteSink;
import io.restage.common.batch.Checksums;
import io.restage.common.batch.Column;
import java.util.List;

/**
 * Cuts one table's COPY rows into batches of bounded size and ends the table with its marker. Memory is one
 * batch at a time, whatever the table's size.
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
    private long rowsInBatch;
    private long totalRows;
    private long seq;
    private long tableChecksum;

    public TableBatcher(String refreshId, String source, String target, String table, List<Column> columns,
                        List<String> skipAnonymizers, BatchSender sender, int maxBytes, int maxRows) {
        this.refreshId = refreshId;
        this.source = source;
        this.target = target;
        this.table = table;
        this.columns = columns;
        this.skipAnonymizers = skipAnonymizers;
        this.sender = sender;
        this.maxBytes = maxBytes;
        this.maxRows = maxRows;
        this.buffer = new ByteSink(Math.min(maxBytes + 1024, 4 * 1024 * 1024));
    }

    /** Adds one row as COPY produced it (terminated by '\n'). */
    public void add(byte[] row) {
        buffer.write(row, 0, row.length);
        rowsInBatch++;
        totalRows++;
        if (buffer.size() >= maxBytes || rowsInBatch >= maxRows) {
            flushBatch();
        }
    }

    /** Sends the last partial batch and the end marker; returns the table's row count. */
    public long finish() {
        if (rowsInBatch > 0) {
            flushBatch();
        }
        BatchHeader end = BatchHeader.end(refreshId, table, totalRows, columns, seq, tableChecksum, skipAnonymizers)
                .withRoute(source, target);
        sender.send(Topics.batchKey(refreshId, table), BatchCodec.encode(end, null, 0));
        return totalRows;
    }

    private void flushBatch() {
        long checksum = Checksums.of(buffer.array(), 0, buffer.size());
        tableChecksum = Checksums.combine(tableChecksum, checksum);
        BatchHeader header = BatchHeader.rows(refreshId, table, seq++, rowsInBatch, columns, checksum, skipAnonymizers)
                .withRoute(source, target);
        sender.send(Topics.batchKey(refreshId, table), BatchCodec.encode(header, buffer.array(), buffer.size()));
        buffer.reset();
        rowsInBatch = 0;
    }
}
