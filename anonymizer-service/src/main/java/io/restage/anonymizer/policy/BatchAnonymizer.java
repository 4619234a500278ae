package io.restage.anonymizer.policy;

import io.restage.anonymizer.transform.TransformContext;
import io.restage.anonymizer.transform.Transformer;
import io.restage.common.batch.ByteSink;
import io.restage.common.batch.CopyText;
import io.restage.common.policy.LeakFingerprints;
import io.restage.common.policy.TransformerSpec;
import java.util.HashSet;
import java.util.Set;

/**
 * Rewrites the COPY text rows of one batch with a {@link TablePlan}. Untouched fields are copied byte for byte;
 * only ruled fields are decoded and re-encoded. The admin row (matched on its original value) gets the staging
 * admin's email and password hash and keeps every other column, its primary key included. Along the way it
 * fingerprints the source values of audited rules for the leak audit (keyed, never the values), and draws a fake
 * again (deterministically, keyed by the attempt) when it equals its own source value or, for contact data, another
 * source value of the column in the batch ({@link TransformerSpec.Redraw}).
 */
public final class BatchAnonymizer {

    /** Fakes drawn at most this many more times when they equal a source value. */
    static final int MAX_REDRAWS = 16;

    /**
     * The rewritten rows, how many rows matched the admin rule, the batch's distinct leak fingerprints, and how many
     * fakes were drawn again because they equalled a source value.
     */
    public record Result(byte[] payload, long adminMatches, long[] fingerprints, int fingerprintCount, long redraws) {
    }

    public static Result anonymize(TablePlan plan, byte[] rows, TransformContext ctx, String adminPasswordHash,
                                   byte[] leakKey) {
        if (plan.isIdentity()) {
            return new Result(rows, 0, new long[0], 0, 0);
        }
        int n = plan.transformers.length;
        int[] starts = new int[n];
        int[] ends = new int[n];
        Set<String>[] batchValues = batchValues(plan, rows, starts, ends);
        long redraws = 0;
        ByteSink out = new ByteSink(rows.length + rows.length / 4);
        // trimmed, lower-cased and hashed in one pass over each value's characters, no copy
        LeakFingerprints.Collector fps = leakKey == null ? null : new LeakFingerprints.Collector(leakKey);
        java.util.function.Consumer<String> audit = fps == null ? null : v -> fps.add(v, 0, v.length());
        long adminMatches = 0;
        int pos = 0;
        while (pos < rows.length) {
            int end = CopyText.rowEnd(rows, pos, rows.length);
            int fields = CopyText.split(rows, pos, end, starts, ends);
            if (fields != n) {
                throw new IllegalArgumentException("a row has " + fields + " fields but the batch header declares " + n + " columns");
            }
            boolean admin = plan.adminMatchIndex >= 0
                    && plan.adminMatchValue.equals(CopyText.decode(rows, starts[plan.adminMatchIndex], ends[plan.adminMatchIndex]));
            if (admin) {
                adminMatches++;
            }
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    out.write('\t');
                }
                Transformer t = plan.transformers[i];
                boolean adminField = admin && (i == plan.adminEmailIndex || i == plan.adminPasswordIndex);
                if (t == null && !adminField) {
                    out.write(rows, starts[i], ends[i] - starts[i]);
                    continue;
                }
                String value = CopyText.decode(rows, starts[i], ends[i]);
                if (plan.audited[i] && t != null && leakKey != null) {
                    t.auditedValues(value, audit);
                }
                if (admin && i == plan.adminEmailIndex) {
                    CopyText.encode(plan.adminEmail, out);
                } else if (admin && i == plan.adminPasswordIndex) {
                    CopyText.encode(adminPasswordHash, out);
                } else {
                    String[] row = null;
                    if (plan.reads[i] != null) {
                        row = new String[plan.reads[i].length];
                        for (int k = 0; k < row.length; k++) {
                            int j = plan.reads[i][k];
                            row[k] = CopyText.decode(rows, starts[j], ends[j]);
                        }
                    }
                    String fake = row == null ? t.apply(value, ctx) : t.apply(value, row, ctx);
                    if (value != null && fake != null && plan.redraw[i] != TransformerSpec.Redraw.NEVER) {
                        String self = LeakFingerprints.normalize(value);
                        for (int k = 1; k <= MAX_REDRAWS && collides(LeakFingerprints.normalize(fake), self, batchValues[i]); k++) {
                            TransformContext again = ctx.redraw(k);
                            fake = row == null ? t.apply(value, again) : t.apply(value, row, again);
                            redraws++;
                        }
                    }
                    CopyText.encode(fake, out);
                }
            }
            out.write('\n');
            pos = end + 1;
        }
        if (fps == null) {
            return new Result(out.toByteArray(), adminMatches, new long[0], 0, redraws);
        }
        int count = fps.distinct();
        return new Result(out.toByteArray(), adminMatches, fps.values(), count, redraws);
    }

    /** Whether a fake equals its own source value, or (re-draw BATCH) another source value of the batch. */
    private static boolean collides(String fake, String self, Set<String> batch) {
        return fake.equals(self) || (batch != null && batch.contains(fake));
    }

    /** Per column with re-draw BATCH: the normalised source values of the batch (null for the other columns). */
    @SuppressWarnings("unchecked")
    private static Set<String>[] batchValues(TablePlan plan, byte[] rows, int[] starts, int[] ends) {
        int n = plan.transformers.length;
        Set<String>[] out = new Set[n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            if (plan.transformers[i] != null && plan.redraw[i] == TransformerSpec.Redraw.BATCH) {
                out[i] = new HashSet<>();
                any = true;
            }
        }
        if (!any) {
            return out;
        }
        int pos = 0;
        while (pos < rows.length) {
            int end = CopyText.rowEnd(rows, pos, rows.length);
            if (CopyText.split(rows, pos, end, starts, ends) == n) {
                for (int i = 0; i < n; i++) {
                    if (out[i] != null) {
                        String v = CopyText.decode(rows, starts[i], ends[i]);
                        if (v != null) {
                            out[i].add(LeakFingerprints.normalize(v));
                        }
                    }
                }
            }
            pos = end + 1;
        }
        return out;
    }

    private BatchAnonymizer() {
    }
}
