package io.restage.importer.staging;

import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.messages.ImportReply.LeakAudit;
import io.restage.common.policy.LeakFingerprints;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The leak audit, run on the staged data before the pivot: looks for the fingerprints the anonymizer took of every
 * audited source value ({@code _leak_fp}) in every text-like staged column: whole values, the words of free text
 * that hold a digit or an @ (split on spaces and punctuation: where an email, phone number or token hides), the
 * strings inside JSON and the elements of text arrays. Any match means a
 * production value of a ruled column would reach staging through some other column (a denormalised copy, a
 * column marked keep, a JSON document), so the refresh fails and names the column.
 * <p>
 * Columns whose values a transformer wrote are not scanned (their content is generated, so a match could only be a
 * coincidence of fake and real), nor columns whose rule the request skipped (the operator accepted that risk).
 * Everything runs in SQL inside the target, with the refresh's fingerprint key as a parameter.
 */
public final class LeakAuditor {
    private static final String WORD_SPLIT = "E'[\\\\s,;:<>()\\\\[\\\\]{}\"''|]+'";

    private enum Shape { TEXT, JSON, TEXT_ARRAY }

    private record Target(String sourceTable, String stageTable, String column, Shape shape) {
    }

    public static LeakAudit run(Connection c, StagingArea area, List<StagingArea.StagedTable> staged, PolicyConfig policy,
                                List<String> skip, byte[] key) throws SQLException {
        long fingerprints;
        try (PreparedStatement ps = c.prepareStatement("select count(*) from " + area.schema() + "._leak_fp");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            fingerprints = rs.getLong(1);
        }
        List<Target> targets = targets(c, area, staged, policy, skip);
        if (fingerprints == 0) {
            return new LeakAudit(0, targets.size(), 0, List.of());
        }
        long scanned = 0;
        List<String> hits = new ArrayList<>();
        for (Target t : targets) {
            String col = TargetCatalog.quote(t.column());
            String from = area.schema() + "." + t.stageTable();
            // qualified names and restage_ prefixed aliases: a staged column may be called v, w, e or j
            String values = switch (t.shape()) {
                case TEXT -> "select s." + col + "::text as v from " + from + " s where s." + col + " is not null";
                case JSON -> "select restage_leaf.node #>> '{}' as v from " + from + " s, jsonb_path_query(s." + col
                        + "::jsonb, 'strict $.**') as restage_leaf(node) where jsonb_typeof(restage_leaf.node) = 'string'";
                case TEXT_ARRAY -> "select restage_elem.item::text as v from " + from + " s, unnest(s." + col
                        + ") as restage_elem(item) where restage_elem.item is not null";
            };
            String sql = "with k as (select ?::bytea as key), vals as (" + values + "),"
                    // distinct: a status column of four values or a word in every note is hashed once, not per row
                    + " words as (select distinct w from (select v as w from vals"
                    + "   union all select rtrim(x.w, '.!?') from vals, regexp_split_to_table(vals.v, " + WORD_SPLIT + ") as x(w)"
                    // a word can only match a one-word audited value: an email, a number, a token (they hold @ or a
                    // digit); names and addresses have several words and are matched as whole values
                    + "   where vals.v ~ " + WORD_SPLIT.replace("]+'", "]'") + " and length(x.w) >= " + LeakFingerprints.MIN_LENGTH
                    + "   and x.w ~ '[0-9@]') all_words)"
                    + " select (select count(*) from vals),"
                    // a join, so the planner hashes the fingerprints once instead of probing the index per word
                    + " (select count(*) from (select " + LeakFingerprints.sql("words.w", "k.key") + " as h from words, k) x"
                    + "   join " + area.schema() + "._leak_fp f on f.fp = x.h)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setBytes(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    scanned += rs.getLong(1);
                    long n = rs.getLong(2);
                    if (n > 0) {
                        hits.add(t.sourceTable() + "." + t.column() + ": " + n + " distinct value" + (n == 1 ? "" : "s"));
                    }
                }
            }
        }
        return new LeakAudit(fingerprints, targets.size(), scanned, List.copyOf(hits));
    }

    /** The staged columns to scan: text-like, JSON and text arrays, unless a transformer wrote them or was skipped. */
    private static List<Target> targets(Connection c, StagingArea area, List<StagingArea.StagedTable> staged,
                                        PolicyConfig policy, List<String> skip) throws SQLException {
        List<Target> out = new ArrayList<>();
        String sql = """
                select a.attname,
                       case when t.typname in ('json', 'jsonb') or bt.typname in ('json', 'jsonb') then 'JSON'
                            when coalesce(bt.typcategory, t.typcategory) = 'S' then 'TEXT'
                            when t.typcategory = 'A' and et.typcategory = 'S' then 'TEXT_ARRAY' end
                from pg_attribute a
                join pg_type t on t.oid = a.atttypid
                left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
                left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
                where a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass and a.attnum > 0 and not a.attisdropped
                order by a.attnum
                """;
        for (StagingArea.StagedTable st : staged) {
            if (st.stageTable() == null) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, area.schema());
                ps.setString(2, st.stageTable());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String shape = rs.getString(2);
                        if (shape == null) {
                            continue;
                        }
                        String column = rs.getString(1);
                        RuleConfig rule = policy.rulesFor(st.sourceTable()).stream()
                                .filter(r -> r.column().equals(column)).findFirst().orElse(null);
                        boolean skipped = rule != null && (skip.contains(rule.id()) || skip.contains(rule.transformer()));
                        boolean generated = rule != null && !rule.transformer().equals("keep") && !rule.transformer().equals("json");
                        if (!skipped && !generated) {
                            out.add(new Target(st.sourceTable(), st.stageTable(), column, Shape.valueOf(shape)));
                        }
                    }
                }
            }
        }
        return out;
    }

    private LeakAuditor() {
    }
}
