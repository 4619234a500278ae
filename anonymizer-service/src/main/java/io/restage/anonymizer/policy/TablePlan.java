package io.restage.anonymizer.policy;

import io.restage.anonymizer.transform.Transformer;
import io.restage.anonymizer.transform.Transformers;
import io.restage.common.batch.Column;
import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.policy.TableRules;
import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What to do with each column of one table, compiled once per (table, columns, skip list) and reused for every
 * batch: a transformer per column index (null = copy the bytes), which columns the leak audit fingerprints, the admin
 * row's match and rewrite columns, and the rule ids that run and that were skipped by request. A skipped rule is
 * neither applied nor fingerprinted: its values are meant to reach the target.
 */
public final class TablePlan {
    final Transformer[] transformers;
    /** Per column: whether the leak audit fingerprints its source values. */
    final boolean[] audited;
    /** Per column: the indexes of the other columns its transformer reads (null when none). */
    final int[][] reads;
    /** Per column: when a fake is drawn again because it equals a source value. */
    final TransformerSpec.Redraw[] redraw;
    final int adminMatchIndex;
    final String adminMatchValue;
    final int adminEmailIndex;
    final String adminEmail;
    final int adminPasswordIndex;
    final List<String> ran;
    final List<String> skipped;

    private TablePlan(Transformer[] transformers, boolean[] audited, int[][] reads, TransformerSpec.Redraw[] redraw,
                      int adminMatchIndex, String adminMatchValue, int adminEmailIndex,
                      String adminEmail, int adminPasswordIndex, List<String> ran, List<String> skipped) {
        this.transformers = transformers;
        this.audited = audited;
        this.reads = reads;
        this.redraw = redraw;
        this.adminMatchIndex = adminMatchIndex;
        this.adminMatchValue = adminMatchValue;
        this.adminEmailIndex = adminEmailIndex;
        this.adminEmail = adminEmail;
        this.adminPasswordIndex = adminPasswordIndex;
        this.ran = ran;
        this.skipped = skipped;
    }

    /**
     * A rule is skipped when the request names its id ({@code schema.table.column}) or its transformer; the
     * orchestrator only lets such a request through with the typed risk acknowledgement.
     */
    public static TablePlan compile(PolicyConfig policy, String table, List<Column> columns, List<String> skip) {
        Transformer[] t = new Transformer[columns.size()];
        boolean[] audited = new boolean[columns.size()];
        int[][] reads = new int[columns.size()][];
        TransformerSpec.Redraw[] redraw = new TransformerSpec.Redraw[columns.size()];
        List<String> ran = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (RuleConfig rule : policy.rulesFor(table)) {
            int idx = indexOf(columns, rule.column());
            if (idx < 0) {
                continue;
            }
            String label = TableRules.label(rule);
            if (TableRules.skipped(rule, skip)) {
                skipped.add(label);
                continue;
            }
            if (rule.transformer().equals("keep")) {
                // copied unchanged and never fingerprinted: no transformer, so a table kept whole is forwarded as it is
                ran.add(label);
                continue;
            }
            Transformer tr = Transformers.create(rule, columns.get(idx).type());
            if (!tr.accepts(columns.get(idx).type())) {
                throw new IllegalArgumentException("rule for " + rule.id() + ": transformer '" + rule.transformer()
                        + "' cannot write column type " + columns.get(idx).type());
            }
            if (!tr.reads().isEmpty()) {
                reads[idx] = new int[tr.reads().size()];
                for (int k = 0; k < reads[idx].length; k++) {
                    String other = tr.reads().get(k);
                    reads[idx][k] = indexOf(columns, other);
                    if (reads[idx][k] < 0) {
                        throw new IllegalArgumentException("rule for " + rule.id() + ": transformer '" + rule.transformer()
                                + "' reads column " + other + ", which " + table + " does not have: name one of its columns");
                    }
                }
            }
            t[idx] = tr;
            audited[idx] = TransformerCatalog.audited(rule);
            redraw[idx] = TransformerCatalog.redraw(rule);
            ran.add(label);
        }
        int match = -1;
        int email = -1;
        int password = -1;
        String matchValue = null;
        String adminEmail = null;
        AdminRewrite admin = policy.admin();
        if (admin != null && admin.table().equals(table)) {
            match = indexOf(columns, admin.matchColumn());
            email = indexOf(columns, admin.emailColumn());
            password = admin.passwordColumn() == null ? -1 : indexOf(columns, admin.passwordColumn());
            if (match < 0 || email < 0 || (admin.passwordColumn() != null && password < 0)) {
                throw new IllegalArgumentException("admin rewrite: table " + table + " has no column "
                        + (match < 0 ? admin.matchColumn() : email < 0 ? admin.emailColumn() : admin.passwordColumn())
                        + ": fix policy.admin");
            }
            matchValue = admin.matchValue().reveal();
            adminEmail = admin.email();
            ran.add(table + ":admin-rewrite");
        }
        return new TablePlan(t, audited, reads, redraw, match, matchValue, email, adminEmail, password, List.copyOf(ran), List.copyOf(skipped));
    }

    private static int indexOf(List<Column> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public List<String> ran() {
        return ran;
    }

    public List<String> skipped() {
        return skipped;
    }

    /** Nothing changes a value: the batch leaves as it came in (the export forwards such tables itself, see {@link TableRules}). */
    public boolean isIdentity() {
        if (adminMatchIndex >= 0) {
            return false;
        }
        for (Transformer t : transformers) {
            if (t != null) {
                return false;
            }
        }
        return true;
    }
}
