package io.restage.anonymizer.policy;

import io.restage.anonymizer.transform.TransformContext;
import io.restage.anonymizer.transform.Transformer;
import io.restage.common.batch.ByteSink;
import io.restage.common.batch.CopyText;

/**
 * Rewrites the COPY text rows of one batch with a {@link TablePlan}. Untouched fields are copied byte for byte;
 * only ruled fields are decoded and re-encoded. The admin row (matched on its original value) gets the staging
 * admin's email and password hash and keeps every other column, its primary key included.
 */
public final class BatchAnonymizer {

    /** The rewritten rows and how many rows matched the admin rule. */
    public record Result(byte[] payload, long adminMatches) {
    }

    public static Result anonymize(TablePlan plan, byte[] rows, TransformContext ctx, String adminPasswordHash) {
        if (plan.isIdentity()) {
            return new Result(rows, 0);
        }
        int n = plan.transformers.length;
        int[] starts = new int[n];
        int[] ends = new int[n];
        ByteSink out = new ByteSink(rows.length + rows.length / 4);
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
                if (admin && i == plan.adminEmailIndex) {
                    CopyText.encode(plan.adminEmail, out);
                } else if (admin && i == plan.adminPasswordIndex) {
                    CopyText.encode(adminPasswordHash, out);
                } else {
                    Transformer t = plan.transformers[i];
                    if (t == null) {
                        out.write(rows, starts[i], ends[i] - starts[i]);
                    } else {
                        CopyText.encode(t.apply(CopyText.decode(rows, starts[i], ends[i]), ctx), out);
                    }
                }
            }
            out.write('\n');
            pos = end + 1;
        }
        return new Result(out.toByteArray(), adminMatches);
    }

    private BatchAnonymizer() {
    }
}
