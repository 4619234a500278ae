package io.restage.common.batch;

import java.util.List;

/**
 * The small JSON header in front of every batch record.
 * <p>
 * A table is a run of {@link Kind#ROWS} batches numbered {@code 0..n-1} followed by one {@link Kind#END} marker,
 * all with the key {@code refreshId/table}, so they keep their order in one partition. Consumers are idempotent on
 * {@code (refreshId, table, seq)}: a batch seen twice is applied once.
 * <p>
 * {@code sourceChecksum} is the checksum of the rows as exported; the anonymizer keeps it unchanged so the
 * importer can prove, against the end marker's {@code tableChecksum} (sum of all batches' source checksums), that
 * exactly the exported batches arrived. {@code payloadChecksum} covers the payload as it is now (after
 * anonymization), so corruption in flight is detected. {@code source} and {@code target} name the environments
 * (never credentials), so a consumer can act on a batch that arrives before the refresh's request.
 * {@code leakFingerprints} (set by the anonymizer) carries the keyed fingerprints of this batch's audited source
 * values, base64 of 8-byte values (see {@code LeakFingerprints}); never the values themselves.
 * <p>
 * A row larger than a batch travels as {@code parts} consecutive ROWS records with the same key, {@code part}
 * 0..parts-1, each holding a slice of the row's COPY text; only the last counts the row ({@code rowCount} 1). A
 * normal batch has {@code parts} 0.
 * <p>
 * {@code policy} is the fingerprint of the policy (and leak-audit key derivation) the batch was made under
 * ({@code PolicyFingerprint}): the anonymizer and the importer refuse a batch made under another policy than their own,
 * so services with drifted configuration fail the refresh instead of passing columns through.
 * <p>
 * {@code attempt} numbers the export's snapshot (1, then 2... when an interrupted export starts over): the importer
 * stages only the latest attempt's batches and discards what an earlier one staged, so two snapshots never mix.
 */
public record BatchHeader(
        String refreshId,
        String table,
        Kind kind,
        long seq,
        long rowCount,
        List<Column> columns,
        long sourceChecksum,
        long payloadChecksum,
        boolean anonymized,
        List<String> skipAnonymizers,
        long adminMatches,
        long batchCount,
        long tableChecksum,
        String source,
        String target,
        String leakFingerprints,
        int part,
        int parts,
        String policy,
        int attempt) {

    public enum Kind { ROWS, END }

    public BatchHeader {
        attempt = Math.max(1, attempt);
        columns = columns == null ? List.of() : List.copyOf(columns);
        skipAnonymizers = skipAnonymizers == null ? List.of() : List.copyOf(skipAnonymizers);
    }

    public static BatchHeader rows(String refreshId, String table, long seq, long rowCount, List<Column> columns,
                                   long checksum, List<String> skipAnonymizers) {
        return new BatchHeader(refreshId, table, Kind.ROWS, seq, rowCount, columns, checksum, checksum, false,
                skipAnonymizers, 0, 0, 0, null, null, null, 0, 0, null, 1);
    }

    public static BatchHeader end(String refreshId, String table, long totalRows, List<Column> columns,
                                  long batchCount, long tableChecksum, List<String> skipAnonymizers) {
        return new BatchHeader(refreshId, table, Kind.END, batchCount, totalRows, columns, 0, 0, false,
                skipAnonymizers, 0, batchCount, tableChecksum, null, null, null, 0, 0, null, 1);
    }

    /** The same header naming the refresh's source and target environments. */
    public BatchHeader withRoute(String sourceEnvironment, String targetEnvironment) {
        return new BatchHeader(refreshId, table, kind, seq, rowCount, columns, sourceChecksum, payloadChecksum, anonymized,
                skipAnonymizers, adminMatches, batchCount, tableChecksum, sourceEnvironment, targetEnvironment, leakFingerprints,
                part, parts, policy, attempt);
    }

    /** The same header stamped with the fingerprint of the policy it is made under. */
    public BatchHeader withPolicy(String policyFingerprint) {
        return new BatchHeader(refreshId, table, kind, seq, rowCount, columns, sourceChecksum, payloadChecksum, anonymized,
                skipAnonymizers, adminMatches, batchCount, tableChecksum, source, target, leakFingerprints, part, parts,
                policyFingerprint, attempt);
    }

    /** The same batch after anonymization: new payload checksum, admin matches counted, fingerprints, marked clean. */
    public BatchHeader anonymized(long newPayloadChecksum, long adminMatchesInBatch, String fingerprints) {
        return new BatchHeader(refreshId, table, kind, seq, rowCount, columns, sourceChecksum, newPayloadChecksum,
                true, skipAnonymizers, adminMatchesInBatch, batchCount, tableChecksum, source, target, fingerprints, part, parts,
                policy, attempt);
    }

    /** Part {@code part} of {@code parts} of one oversized row (the last part counts the row). */
    public BatchHeader asPart(int part, int parts) {
        return new BatchHeader(refreshId, table, kind, seq, part == parts - 1 ? 1 : 0, columns, sourceChecksum, payloadChecksum,
                anonymized, skipAnonymizers, adminMatches, batchCount, tableChecksum, source, target, leakFingerprints, part, parts,
                policy, attempt);
    }

    /** The same header, from export attempt {@code exportAttempt}. */
    public BatchHeader withAttempt(int exportAttempt) {
        return new BatchHeader(refreshId, table, kind, seq, rowCount, columns, sourceChecksum, payloadChecksum, anonymized,
                skipAnonymizers, adminMatches, batchCount, tableChecksum, source, target, leakFingerprints, part, parts, policy,
                exportAttempt);
    }

    /** Whether this record is one part of an oversized row (a plain method, not a bean property on the wire). */
    public boolean inParts() {
        return parts > 0;
    }

    public String key() {
        return refreshId + "/" + table;
    }
}
