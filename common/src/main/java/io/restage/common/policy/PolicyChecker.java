package io.restage.common.policy;

import io.restage.common.PgCatalog;
import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.policy.PolicyReport.ColumnRule;
import io.restage.common.policy.PolicyReport.Kind;
import io.restage.common.policy.PolicyReport.Problem;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a policy against a source database before anything is exported, failing closed:
 * <ul>
 *   <li>every column that looks personal by name (email, phone, name, address, birth, iban, token, password, ...)
 *       or by sampled content (emails, phone numbers, IBANs) must have a rule ({@code keep} is a rule);</li>
 *   <li>rules must name tables and columns that exist;</li>
 *   <li>a transformer must accept the column's type, must not write NULL into NOT NULL, and must keep distinct
 *       values distinct on a unique index or primary key;</li>
 *   <li>large objects, which restage does not copy, are reported instead of silently lost.</li>
 * </ul>
 * New source columns are checked like any other, so schema drift halts a refresh instead of passing through. Runs
 * on the caller's connection (the export runs it inside its snapshot); reads the catalog and a small sample per
 * table. Problems name the table and column, never a value.
 */
public final class PolicyChecker {
    /** Values sampled per table for the content check. */
    public static final int SAMPLE_ROWS = 200;

    /** Substrings of a column name that make it look personal. */
    private static final List<String> NAME_PARTS = List.of("email", "e_mail", "mail", "name", "phone", "mobile",
            "address", "street", "zip", "postal", "postcode", "birth", "ssn", "social_security", "iban", "token",
            "secret", "password", "passwd", "api_key", "apikey", "credit_card", "card_number", "passport", "tax_id",
            // quasi-identifiers: each alone rarely names a person, together they single one out (a keep is an answer)
            "company", "province", "gender", "job_title", "jobtitle", "maiden", "account_num",
            "account_no", "customer_num", "customer_no");
    /** Whole words (between underscores) that make it look personal (state, region, mi: quasi-identifiers). */
    private static final Set<String> NAME_WORDS = Set.of("ip", "tel", "fax", "dob", "pwd", "msisdn", "salt", "otp",
            "state", "region", "county", "district", "city", "hire", "sex", "mi", "middle");
    /** Parts that stay personal on date and time columns (a birth or hire date, not a timestamp about the data). */
    private static final Set<String> DATED = Set.of("birth", "hire");

    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$");
    private static final Pattern EMAIL_INSIDE = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
    private static final Pattern PHONE = Pattern.compile(
            "^(?:(?:\\+|00)\\d[\\d ().\\-/]{6,18}|\\(?0\\d{1,5}\\)?[ .\\-/]?\\d{2,}(?:[ .\\-/]\\d{2,}){0,3}"
            // North American national layouts: 271-555-9715, (271) 555-9715, 271.555.9715
            + "|\\(?[2-9]\\d{2}\\)?[ .\\-]?[2-9]\\d{2}[ .\\-]\\d{4})$");
    /** Dates that the national phone layouts would otherwise take for numbers: 05.03.2001, 05/03/2001, 2001-03-05. */
    private static final Pattern DATE = Pattern.compile("^(?:\\d{1,2}[./-]\\d{1,2}[./-](?:\\d{2}|\\d{4})|\\d{4}[./-]\\d{1,2}[./-]\\d{1,2})$");
    private static final Pattern IBAN = Pattern.compile("^[A-Z]{2}\\d{2}[A-Z0-9]{11,30}$");

    record Col(String table, String column, String type, boolean notNull, boolean textLike, boolean json) {
    }

    private record Index(String table, String name, boolean primary, List<String> columns) {
    }

    public static PolicyReport check(Connection c, String sourceName, PolicyConfig policy) throws SQLException {
        Map<String, List<Col>> tables = columns(c, policy);
        List<Index> indexes = indexes(c);
        List<Problem> problems = new ArrayList<>();
        List<ColumnRule> rules = new ArrayList<>();
        Map<String, RuleConfig> ruleByColumn = new LinkedHashMap<>();
        for (RuleConfig r : policy.allRules()) {
            ruleByColumn.put(r.id(), r);
            if (policy.isExcluded(r.table())) {
                continue;
            }
            List<Col> cols = tables.get(r.table());
            if (cols == null) {
                problems.add(new Problem(Kind.UNKNOWN_TABLE, r.table(), r.column(), "rule for " + r.id()
                        + " names table " + r.table() + ", which source '" + sourceName + "' does not have: "
                        + didYouMean(tables, r.table(), r.column()) + "fix or remove the rule"));
            } else if (cols.stream().noneMatch(col -> col.column().equals(r.column()))) {
                String near = cols.stream().map(Col::column).filter(name -> name.equalsIgnoreCase(r.column())).findFirst()
                        .map(name -> "did you mean " + r.table() + "." + name + "? (names are matched as stored, case included) ")
                        .orElse("");
                problems.add(new Problem(Kind.UNKNOWN_COLUMN, r.table(), r.column(), "rule for " + r.id() + " names column "
                        + r.column() + ", which " + r.table() + " does not have: " + near + "fix or remove the rule"));
            }
        }
        AdminRewrite admin = policy.admin();
        if (admin != null) {
            List<Col> cols = tables.get(admin.table());
            // (the admin rule's table and columns follow the same naming as rules)
            if (cols == null) {
                problems.add(new Problem(Kind.UNKNOWN_TABLE, admin.table(), null, "policy.admin names table "
                        + admin.table() + ", which source '" + sourceName + "' does not have"));
            } else {
                for (String col : new String[]{admin.matchColumn(), admin.emailColumn(), admin.passwordColumn()}) {
                    if (col != null && cols.stream().noneMatch(x -> x.column().equals(col))) {
                        problems.add(new Problem(Kind.UNKNOWN_COLUMN, admin.table(), col, "policy.admin names column "
                                + admin.table() + "." + col + ", which does not exist"));
                    }
                }
            }
        }
        for (io.restage.common.config.MediaPolicy.Column m : policy.media().referenceColumns()) {
            // media guided by the database reads these columns from the staged rows: they must be there
            List<Col> cols = policy.isExcluded(m.table()) ? null : tables.get(m.table());
            if (cols == null) {
                problems.add(new Problem(Kind.UNKNOWN_TABLE, m.table(), m.column(), "policy.media names " + m + ", but source '"
                        + sourceName + "' " + (policy.isExcluded(m.table()) ? "has the table excluded from the refresh"
                        : "does not have table " + m.table()) + ": fix the media columns or the exclusions"));
            } else if (cols.stream().noneMatch(x -> x.column().equals(m.column()))) {
                problems.add(new Problem(Kind.UNKNOWN_COLUMN, m.table(), m.column(), "policy.media names column " + m
                        + ", which " + m.table() + " does not have: fix the media columns"));
            }
        }
        int sampled = 0;
        for (Map.Entry<String, List<Col>> t : tables.entrySet()) {
            List<Col> unruledText = new ArrayList<>();
            for (Col col : t.getValue()) {
                RuleConfig r = ruleByColumn.get(t.getKey() + "." + col.column());
                rules.add(new ColumnRule(t.getKey(), col.column(), col.type(), r == null ? null : r.transformer()));
                if (r != null) {
                    checkRule(r, col, problems);
                    checkReadColumns(r, t.getValue(), problems);
                    continue;
                }
                String why = looksPersonal(col);
                if (why != null) {
                    Map<String, String> suggest = Suggestions.suggest(shape(col, t.getValue(), indexes), why);
                    problems.add(new Problem(Kind.UNRULED_PERSONAL_NAME, t.getKey(), col.column(), "column "
                            + t.getKey() + "." + col.column() + " (" + col.type() + ") looks personal (its name contains '"
                            + why + "') and has no rule: add one" + suggested(suggest) + ", or `keep` if it is not personal",
                            suggest));
                } else if (policy.requireEveryColumn()) {
                    problems.add(new Problem(Kind.UNRULED_COLUMN, t.getKey(), col.column(), "column " + t.getKey()
                            + "." + col.column() + " has no rule and policy.unruled-columns is refuse-all: add one (keep included)",
                            Map.of("transformer", "keep")));
                } else if (col.textLike() || col.json()) {
                    unruledText.add(col);
                }
            }
            if (!unruledText.isEmpty()) {
                List<Col> all = t.getValue();
                sampled += sample(c, t.getKey(), unruledText, problems, col -> shape(col, all, indexes));
            }
        }
        problems.addAll(uniqueProblems(indexes, policy, ruleByColumn, tables));
        long largeObjects = largeObjects(c);
        if (largeObjects > 0) {
            problems.add(new Problem(Kind.UNSUPPORTED, "pg_catalog.pg_largeobject", null, "source '" + sourceName
                    + "' holds " + largeObjects + " large objects (pg_largeobject), which restage does not copy: the"
                    + " oid columns pointing at them would dangle in the target. Move them into bytea columns, or"
                    + " refresh this database with pg_dump --large-objects"));
        }
        return new PolicyReport(sourceName, problems.isEmpty(), tables.size(),
                tables.values().stream().mapToInt(List::size).sum(), sampled, List.copyOf(rules), List.copyOf(problems));
    }

    /** Parameters that name another column of the row ({@code key-column}, {@code country-column}) must name one. */
    private static void checkReadColumns(RuleConfig r, List<Col> cols, List<Problem> problems) {
        for (String p : List.of("key-column", "country-column")) {
            String other = r.params().get(p);
            if (other != null && cols.stream().noneMatch(c -> c.column().equals(other))) {
                String near = cols.stream().map(Col::column).filter(n -> n.equalsIgnoreCase(other)).findFirst()
                        .map(n -> " (did you mean " + n + "?)").orElse("");
                problems.add(new Problem(Kind.UNKNOWN_COLUMN, r.table(), r.column(), "rule for " + r.id() + ": " + p + " "
                        + other + " names a column " + r.table() + " does not have" + near + ": name a column of the same table"));
            }
        }
    }

    private static void checkRule(RuleConfig r, Col col, List<Problem> problems) {
        TransformerSpec spec;
        try {
            spec = TransformerCatalog.spec(r.transformer());
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(Kind.WRONG_TYPE, r.table(), r.column(), "rule for " + r.id() + ": " + e.getMessage()));
            return;
        }
        if (!spec.accepts(col.type())) {
            problems.add(new Problem(Kind.WRONG_TYPE, r.table(), r.column(), "rule for " + r.id() + ": transformer '"
                    + r.transformer() + "' cannot write type " + col.type() + " (it accepts " + new java.util.TreeSet<>(spec.acceptedTypes())
                    + "): choose another transformer"));
        }
        boolean writesNull = r.transformer().equals("null") || "null".equals(r.params().get("mode"));
        if (writesNull && col.notNull()) {
            problems.add(new Problem(Kind.NULL_INTO_NOT_NULL, r.table(), r.column(), "rule for " + r.id() + " writes NULL"
                    + " but the column is NOT NULL: use constant, scrub or blank instead"));
        }
    }

    /** The matched part of the name when it looks personal; null otherwise. Ids, flags and timestamps are not personal. */
    /** Whether a sampled value looks like a phone number (public for the false-positive measurement). */
    static boolean looksLikePhone(String s) {
        return PHONE.matcher(s).matches() && digits(s) >= 7 && digits(s) <= 15 && !DATE.matcher(s).matches();
    }

    static String looksPersonal(Col col) {
        String name = col.column().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        String type = col.type();
        boolean flagOrTime = type.equals("boolean") || type.startsWith("timestamp") || type.startsWith("time ")
                || type.equals("interval");
        boolean idLike = (name.equals("id") || name.endsWith("_id") || name.endsWith("_ids") || name.endsWith("_count"))
                && (type.equals("integer") || type.equals("bigint") || type.equals("smallint") || type.equals("uuid")
                || type.endsWith("[]"));
        if (idLike) {
            return null;
        }
        for (String part : NAME_PARTS) {
            if (name.contains(part)) {
                if (flagOrTime && !DATED.contains(part)) {
                    return null; // email_verified, password_changed_at: about the data, not the data
                }
                return part;
            }
        }
        for (String word : name.split("_")) {
            if (NAME_WORDS.contains(word) && (!flagOrTime || DATED.contains(word))) {
                return word;
            }
        }
        return null;
    }

    /** Samples the table's unruled text and JSON columns; returns how many values were looked at. */
    private static int sample(Connection c, String table, List<Col> cols, List<Problem> problems,
                              java.util.function.Function<Col, Suggestions.Shape> shapes) throws SQLException {
        StringBuilder sql = new StringBuilder("select ");
        for (int i = 0; i < cols.size(); i++) {
            sql.append(i > 0 ? ", " : "").append(quote(cols.get(i).column())).append("::text");
        }
        String[] parts = table.split("\\.", 2);
        sql.append(" from only ").append(quote(parts[0])).append('.').append(quote(parts[1]));
        long estimate = estimate(c, parts[0], parts[1]);
        if (estimate > 50_000) {
            // a block sample keeps the check cheap on big tables (a few hundred pages, not the whole table)
            double percent = Math.min(100.0, Math.max(0.01, SAMPLE_ROWS * 20.0 * 100.0 / estimate));
            sql.append(" tablesample system (").append(String.format(Locale.ROOT, "%.4f", percent)).append(")");
        }
        sql.append(" limit ").append(SAMPLE_ROWS);
        int[] emails = new int[cols.size()];
        int[] phones = new int[cols.size()];
        int[] ibans = new int[cols.size()];
        int[] nonNull = new int[cols.size()];
        List<Map<String, String>> jsonKeys = new ArrayList<>();
        for (int i = 0; i < cols.size(); i++) {
            jsonKeys.add(new java.util.TreeMap<>());
        }
        int values = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                for (int i = 0; i < cols.size(); i++) {
                    String v = rs.getString(i + 1);
                    if (v == null || v.isBlank()) {
                        continue;
                    }
                    values++;
                    nonNull[i]++;
                    String s = v.trim();
                    if (cols.get(i).json()) {
                        if (EMAIL_INSIDE.matcher(s).find()) {
                            emails[i]++;
                            personalKeys(s, jsonKeys.get(i));
                        }
                        continue;
                    }
                    if (s.length() > 320) {
                        if (EMAIL_INSIDE.matcher(s).find()) {
                            emails[i]++;
                        }
                        continue;
                    }
                    if (EMAIL.matcher(s).matches()) {
                        emails[i]++;
                    } else if (isIban(s)) {
                        ibans[i]++;
                    } else if (looksLikePhone(s)) {
                        phones[i]++;
                    }
                }
            }
        }
        for (int i = 0; i < cols.size(); i++) {
            String what = significant(emails[i], nonNull[i]) ? "emails" : significant(ibans[i], nonNull[i]) ? "IBANs"
                    : significant(phones[i], nonNull[i]) ? "phone numbers" : null;
            if (what != null) {
                int hits = what.equals("emails") ? emails[i] : what.equals("IBANs") ? ibans[i] : phones[i];
                Map<String, String> suggest = cols.get(i).json()
                        ? jsonSuggestion(jsonKeys.get(i))
                        : Suggestions.suggest(shapes.apply(cols.get(i)), "content:" + what);
                problems.add(new Problem(Kind.UNRULED_PERSONAL_CONTENT, table, cols.get(i).column(), "column " + table
                        + "." + cols.get(i).column() + " has no rule but " + hits + " of " + nonNull[i]
                        + " sampled values look like " + what + ": add a rule" + suggested(suggest)
                        + ", or `keep` if they are not personal", suggest));
            }
        }
        return values;
    }

    /** The keys (at any depth) whose string values look like emails or phone numbers, as {@code $..key} paths. */
    private static void personalKeys(String json, Map<String, String> out) {
        try {
            walkJson(io.restage.common.Json.MAPPER.readTree(json), null, out);
        } catch (java.io.IOException | RuntimeException e) {
            // not JSON after all: the column is still flagged, without paths
        }
    }

    private static void walkJson(com.fasterxml.jackson.databind.JsonNode node, String key, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> walkJson(e.getValue(), e.getKey(), out));
        } else if (node.isArray()) {
            node.forEach(n -> walkJson(n, key, out));
        } else if (node.isTextual() && key != null && key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            String v = node.asText().trim();
            if (EMAIL.matcher(v).matches()) {
                out.put("$.." + key, "email");
            } else if (looksLikePhone(v)) {
                out.putIfAbsent("$.." + key, "phone");
            }
        }
    }

    /** A json rule over the keys found, or scrub of the whole value when none was (a person reviews either). */
    private static Map<String, String> jsonSuggestion(Map<String, String> keys) {
        if (keys.isEmpty()) {
            return null;
        }
        StringBuilder paths = new StringBuilder("{");
        keys.forEach((k, t) -> paths.append(paths.length() > 1 ? ", " : "").append('"').append(k).append("\": \"")
                .append(t).append('"'));
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("transformer", "json");
        m.put("paths", paths.append('}').toString());
        return m;
    }

    private static String suggested(Map<String, String> suggest) {
        return suggest == null ? "" : " (suggested: " + Suggestions.yaml(suggest) + ")";
    }

    /** The column with what the suggestions need: its indexes, its table's primary key and other columns. */
    private static Suggestions.Shape shape(Col col, List<Col> tableCols, List<Index> indexes) {
        boolean unique = false;
        boolean primary = false;
        String pk = null;
        for (Index ix : indexes) {
            if (!ix.table().equals(col.table())) {
                continue;
            }
            if (ix.primary() && ix.columns().size() == 1) {
                pk = ix.columns().get(0);
            }
            if (ix.columns().contains(col.column())) {
                unique = true;
                primary |= ix.primary();
            }
        }
        return new Suggestions.Shape(col.table(), col.column(), col.type(), col.notNull(), unique, primary, pk,
                tableCols.stream().map(Col::column).toList());
    }

    /** At least one in five sampled values (and at least one). */
    private static boolean significant(int hits, int of) {
        return hits > 0 && hits * 5 >= of;
    }

    private static int digits(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (Character.isDigit(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    /** ISO 13616 check digits (mod 97 = 1), so a product code shaped like an IBAN is not flagged. */
    static boolean isIban(String s) {
        String v = s.replace(" ", "").toUpperCase(Locale.ROOT);
        if (!IBAN.matcher(v).matches()) {
            return false;
        }
        String moved = v.substring(4) + v.substring(0, 4);
        StringBuilder digits = new StringBuilder();
        for (char ch : moved.toCharArray()) {
            digits.append(Character.isDigit(ch) ? String.valueOf(ch) : String.valueOf(ch - 'A' + 10));
        }
        return new BigInteger(digits.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
    }

    private static long largeObjects(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from pg_largeobject_metadata")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long estimate(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select c.reltuples::bigint from pg_class c join pg_namespace n"
                + " on n.oid = c.relnamespace where n.nspname = ? and c.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Unique indexes and primary keys with a column whose rule can turn distinct values into equal ones. */
    private static List<Index> indexes(Connection c) throws SQLException {
        String sql = """
                select n.nspname || '.' || c.relname, ic.relname, i.indisprimary,
                       array(select a.attname from unnest(i.indkey) with ordinality k(attnum, ord)
                             join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum order by k.ord)
                from pg_index i
                join pg_class c on c.oid = i.indrelid
                join pg_class ic on ic.oid = i.indexrelid
                join pg_namespace n on n.oid = c.relnamespace
                where i.indisunique and %s
                """.formatted(PgCatalog.APPLICATION_TABLES);
        List<Index> indexes = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String[] cols = (String[]) rs.getArray(4).getArray();
                indexes.add(new Index(rs.getString(1), rs.getString(2), rs.getBoolean(3), List.of(cols)));
            }
        }
        return indexes;
    }

    private static List<Problem> uniqueProblems(List<Index> indexes, PolicyConfig policy, Map<String, RuleConfig> rules,
                                                Map<String, List<Col>> tables) {
        // a column unique on its own keeps any index containing it unique, if its own rule keeps it unique
        Set<String> uniqueAlone = new HashSet<>();
        for (Index ix : indexes) {
            if (ix.columns().size() == 1) {
                RuleConfig r = rules.get(ix.table() + "." + ix.columns().get(0));
                if (r == null || TransformerCatalog.uniqueness(r) == TransformerSpec.Uniqueness.PRESERVES) {
                    uniqueAlone.add(ix.table() + "." + ix.columns().get(0));
                }
            }
        }
        List<Problem> out = new ArrayList<>();
        for (Index ix : indexes) {
            if (policy.isExcluded(ix.table()) || !tables.containsKey(ix.table())) {
                continue;
            }
            if (ix.columns().stream().anyMatch(col -> uniqueAlone.contains(ix.table() + "." + col))) {
                continue;
            }
            for (String col : ix.columns()) {
                RuleConfig r = rules.get(ix.table() + "." + col);
                if (r == null) {
                    continue;
                }
                TransformerSpec.Uniqueness u = TransformerCatalog.uniqueness(r);
                if (u == TransformerSpec.Uniqueness.BREAKS || (u == TransformerSpec.Uniqueness.NULLS && ix.primary())) {
                    Map<String, String> suggest = r.transformer().equals("phone") ? Map.of("transformer", "phone", "unique", "true")
                            : Map.of("transformer", "hash");
                    String type = tables.get(ix.table()).stream().filter(x -> x.column().equals(col)).map(Col::type)
                            .findFirst().orElse("text");
                    if (!TransformerCatalog.spec(suggest.get("transformer")).accepts(type)) {
                        suggest = null;
                    }
                    out.add(new Problem(Kind.BREAKS_UNIQUE, ix.table(), col, "rule for " + r.id() + ": transformer '"
                            + r.transformer() + "' can give equal values for distinct inputs, but " + col + " is part of "
                            + (ix.primary() ? "the primary key" : "unique index " + ix.name())
                            + ": use a uniqueness-preserving transformer (email, hash, token, phone with unique: true, keep)"
                            + suggested(suggest), suggest));
                }
            }
        }
        return out;
    }

    private static Map<String, List<Col>> columns(Connection c, PolicyConfig policy) throws SQLException {
        String sql = """
                select n.nspname || '.' || c.relname, a.attname,
                       format_type(case when t.typtype = 'd' then t.typbasetype else a.atttypid end,
                                   case when t.typtype = 'd' then t.typtypmod else a.atttypmod end),
                       a.attnotnull,
                       coalesce(bt.typcategory, t.typcategory) = 'S',
                       coalesce(bt.typname, t.typname) in ('json', 'jsonb')
                from pg_class c
                join pg_namespace n on n.oid = c.relnamespace
                join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                join pg_type t on t.oid = a.atttypid
                left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
                where %s and a.attgenerated = ''
                order by 1, a.attnum
                """.formatted(PgCatalog.APPLICATION_TABLES);
        Map<String, List<Col>> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String table = rs.getString(1);
                if (policy.isExcluded(table)) {
                    continue;
                }
                out.computeIfAbsent(table, k -> new ArrayList<>()).add(new Col(table, rs.getString(2), rs.getString(3),
                        rs.getBoolean(4), rs.getBoolean(5), rs.getBoolean(6)));
            }
        }
        return out;
    }

    private static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }

    /**
     * A hint for a rule whose table matches nothing as written: the source's table that matches case-insensitively
     * (a rule written {@code customer} for {@code public.Customer}), with the column as stored when that matches too.
     */
    static String didYouMean(Map<String, List<Col>> tables, String table, String column) {
        for (Map.Entry<String, List<Col>> t : tables.entrySet()) {
            if (t.getKey().equalsIgnoreCase(table)) {
                String col = t.getValue().stream().map(Col::column).filter(c -> c.equalsIgnoreCase(column)).findFirst()
                        .orElse(column);
                return "did you mean " + t.getKey() + "." + col + "? (names are matched as stored, case included; write"
                        + " mixed-case names as stored, e.g. Customer: {Email: email}) ";
            }
        }
        return "";
    }

    private PolicyChecker() {
    }
}
