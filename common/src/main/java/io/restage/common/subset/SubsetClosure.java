package io.restage.common.subset;

import io.restage.common.config.SubsetConfig;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The rows of a subset, computed in the source inside the export's snapshot: one temporary table of row identities
 * ({@code tableoid}, {@code ctid}) in the session, filled by set-based statements to a fixed point, so memory in restage
 * stays flat whatever the subset's size and the export then streams only those rows.
 * <p>
 * The rule (each row in the subset has a state):
 * <ul>
 *   <li><b>D</b> (down): the roots, and every row that references a D row (through a declared foreign key or a
 *   configured relation): a customer's rentals, their payments.</li>
 *   <li><b>U</b> (up): every row that a row of the subset references: the rental's inventory, its film, the language,
 *   the customer's address, city, country, store. Up rows do not pull the rows that reference them, so one customer
 *   does not drag in the world through a shared country.</li>
 *   <li><b>A</b> (association): the one exception: rows of an association table (its primary key made only of foreign
 *   key columns, at least two of them) that reference an up row, unless that up row was itself reached through the
 *   same association table: a rented film's actors and categories, but not every other film of a tag a post has. A
 *   rows pull their other parents up and nothing else.</li>
 *   <li><b>W</b> (whole): every row of a {@code whole} table; they pull their parents up.</li>
 * </ul>
 * Self-references and cycles close like any other edge (the fixed point ends when a pass adds no row). Tables under
 * {@code exclude} get no row; a subset row that references one is an error (it would dangle), named with its count.
 */
public final class SubsetClosure {
    static final String TABLE = "pg_temp.restage_subset";

    /** A foreign key (or configured relation) between two tables as stored (schema.table), columns in order. */
    record Edge(String child, boolean childPartitioned, List<String> childColumns, String parent, boolean parentPartitioned,
                List<String> parentColumns, String name) {
    }

    private final Connection c;
    private final Map<String, Long> counts;
    private final Set<String> whole;
    private final Set<String> excluded;
    private final Map<String, String> rootOf;
    private final int passes;

    private SubsetClosure(Connection c, Map<String, Long> counts, Set<String> whole, Set<String> excluded,
                          Map<String, String> rootOf, int passes) {
        this.c = c;
        this.counts = counts;
        this.whole = whole;
        this.excluded = excluded;
        this.rootOf = rootOf;
        this.passes = passes;
    }

    /**
     * Computes the subset on {@code c}, a session whose transaction already holds the export's snapshot (REPEATABLE
     * READ, read-write only so that it may fill its temporary table; the source role cannot write a source table).
     * {@code secret}: keys the samples (the same secret, the same sample). {@code policyExcluded}: tables the policy
     * never exports.
     */
    public static SubsetClosure compute(Connection c, SubsetConfig subset, String secret, Predicate<String> policyExcluded)
            throws SQLException {
        Map<String, Character> kinds = tables(c);
        Map<String, String> rootOf = partitionRoots(c);
        List<Edge> edges = edges(c, kinds, rootOf, subset);
        Set<String> whole = Set.copyOf(subset.whole());
        Set<String> excluded = new java.util.HashSet<>(subset.exclude());
        for (String t : kinds.keySet()) {
            if (policyExcluded.test(t)) {
                excluded.add(t);
            }
        }
        for (SubsetConfig.Root r : subset.roots()) {
            require(kinds, r.table(), "subsets." + subset.name() + ".roots");
        }
        for (String t : subset.whole()) {
            require(kinds, t, "subsets." + subset.name() + ".whole");
        }
        try (Statement st = c.createStatement()) {
            st.execute("create temporary table if not exists restage_subset (toid oid not null, tid tid not null,"
                    + " state \"char\" not null, via oid not null, primary key (toid, tid))");
            st.execute("truncate " + TABLE);
        }
        String salt = salt(secret, subset.name());
        for (SubsetConfig.Root r : subset.roots()) {
            String from = from(r.table(), kinds.get(r.table()) == 'p');
            String where;
            if (r.condition() != null) {
                where = "(" + r.condition() + ")";
            } else {
                // a deterministic sample: the first 32 bits of md5(salt | row key) below percent of 2^32
                long bound = (long) Math.floor(r.percent() / 100.0 * 4294967296.0);
                where = "('x' || substr(md5('" + salt + "' || " + rowKey(c, r.table(), "t") + "), 1, 8))::bit(32)::bigint < " + bound;
            }
            update(c, "insert into " + TABLE + " select t.tableoid, t.ctid, 'D', 0 from " + from + " t where " + where
                    + " on conflict do nothing");
        }
        for (String t : subset.whole()) {
            update(c, "insert into " + TABLE + " select t.tableoid, t.ctid, 'W', 0 from " + from(t, kinds.get(t) == 'p')
                    + " t on conflict do nothing");
        }
        Set<String> associations = associations(c, kinds);
        int passes = 0;
        long added;
        do {
            added = 0;
            passes++;
            for (Edge e : edges) {
                if (!excluded.contains(e.child()) && !whole.contains(e.child())) {
                    added += update(c, down(e));
                    if (associations.contains(e.child())) {
                        added += update(c, association(e));
                    }
                }
                if (!excluded.contains(e.parent()) && !whole.contains(e.parent())) {
                    added += update(c, up(e));
                }
            }
        } while (added > 0 && passes < 10_000);
        List<String> dangling = new ArrayList<>();
        for (Edge e : edges) {
            if (excluded.contains(e.parent()) && !excluded.contains(e.child()) && !policyExcluded.test(e.parent())) {
                long n = count(c, "select count(*) from " + from(e.child(), e.childPartitioned()) + " ch where "
                        + member("ch") + " and " + notNull("ch", e.childColumns()));
                if (n > 0) {
                    dangling.add(n + " rows of " + e.child() + " reference " + e.parent() + " (" + e.name() + ")");
                }
            }
        }
        if (!dangling.isEmpty()) {
            throw new IllegalArgumentException("subset '" + subset.name() + "' excludes tables its rows reference, so those"
                    + " references would dangle in the target: " + String.join("; ", dangling) + ". Remove them from exclude,"
                    + " or exclude the referencing tables too");
        }
        Map<String, Long> counts = new TreeMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select n.nspname || '.' || k.relname, count(*) from " + TABLE + " s"
                     + " join pg_class k on k.oid = s.toid join pg_namespace n on n.oid = k.relnamespace group by 1")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        return new SubsetClosure(c, counts, whole, excluded, rootOf, passes);
    }

    /** Rows in the subset per physical table (partitions apart), for the preview and the report. */
    public Map<String, Long> counts() {
        return counts;
    }

    /**
     * The source's row estimate of each table the subset has rows in (its statistics: live tuples, else reltuples;
     * absent when never analyzed), to set the subset's size beside the whole.
     */
    public Map<String, Long> sourceEstimates() throws SQLException {
        Map<String, Long> out = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select n.nspname || '.' || k.relname,"
                + " coalesce(nullif(s.n_live_tup, 0), nullif(k.reltuples, -1)::bigint) from pg_class k"
                + " join pg_namespace n on n.oid = k.relnamespace left join pg_stat_user_tables s on s.relid = k.oid"
                + " where k.oid in (select distinct toid from " + TABLE + ")")) {
            while (rs.next()) {
                if (rs.getObject(2) != null) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** Passes over the edges until nothing was added. */
    public int passes() {
        return passes;
    }

    /**
     * How the export reads physical table {@code table} (schema.table; a partition counts as its partitioned root):
     * null for every row (a whole table), {@code " where false"} for none (excluded), otherwise the rows of the subset.
     * The filter reads this session's temporary table: it works on this connection only.
     */
    public String filterFor(String table) {
        String logical = rootOf.getOrDefault(table, table);
        if (whole.contains(table) || whole.contains(logical)) {
            return null;
        }
        if (excluded.contains(table) || excluded.contains(logical)) {
            return " where false";
        }
        return " where ctid in (select tid from " + TABLE + " where toid = " + regclass(table) + ")";
    }

    /**
     * The source's largest value of every sequence-fed column of the tables the subset filters ({@code schema.table.column}
     * of the table the sequence belongs to, a partitioned table rather than its partitions), read in the snapshot.
     */
    public Map<String, Long> sourceMaxima() throws SQLException {
        Map<String, Long> out = new TreeMap<>();
        List<String[]> uses = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select distinct n.nspname || '.' || t.relname, a.attname, t.relkind
                from pg_class s
                join pg_depend d on (d.classid = 'pg_class'::regclass and d.objid = s.oid and d.refclassid = 'pg_class'::regclass
                                     and d.deptype in ('a', 'i'))
                join pg_class t on t.oid = d.refobjid join pg_namespace n on n.oid = t.relnamespace
                join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
                where s.relkind = 'S'
                union
                select distinct n.nspname || '.' || t.relname, a.attname, t.relkind
                from pg_attrdef ad
                join pg_depend d on d.classid = 'pg_attrdef'::regclass and d.objid = ad.oid and d.refclassid = 'pg_class'::regclass
                join pg_class s on s.oid = d.refobjid and s.relkind = 'S'
                join pg_class t on t.oid = ad.adrelid join pg_namespace n on n.oid = t.relnamespace
                join pg_attribute a on a.attrelid = t.oid and a.attnum = ad.adnum
                where not t.relispartition
                """)) {
            while (rs.next()) {
                uses.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        for (String[] u : uses) {
            if (filterFor(u[0]) == null) {
                continue; // a whole table: the target gets every row, and its own maximum
            }
            java.sql.Savepoint sp = c.setSavepoint();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select max(" + quote(u[1]) + ")::bigint from "
                    + from(u[0], "p".equals(u[2])))) {
                if (rs.next() && rs.getObject(1) != null) {
                    out.put(u[0] + "." + u[1], rs.getLong(1));
                }
                c.releaseSavepoint(sp);
            } catch (SQLException e) {
                // a sequence feeding a column that is not a number (a text default such as 'INV-' || nextval): nothing
                // to compare with; anything else is a real failure
                c.rollback(sp);
                String state = e.getSQLState() == null ? "" : e.getSQLState();
                if (!state.startsWith("22") && !state.startsWith("42")) {
                    throw e;
                }
            }
        }
        return out;
    }

    /**
     * The subset's rows of {@code table} cut into ranges of at most {@code size} row identities, in ctid order: the
     * first ctid of each range (the last range is open-ended). Small: one value per range.
     */
    public synchronized List<String> rangeStarts(String table, int size) throws SQLException {
        List<String> out = new ArrayList<>();
        // ordered by the tid itself (an output column named tid would order the text)
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select r.tid::text as start from (select tid,"
                + " row_number() over (order by tid) as n from " + TABLE + " where toid = " + regclass(table) + ") r where (n - 1) % "
                + size + " = 0 order by r.tid")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * The filter that reads the subset's rows of {@code table} in {@code [from, to)} (to null: to the end) on any
     * connection of the snapshot: their ctids, listed. Read from this session one range at a time (synchronized: one
     * connection), so the workers that run the reads can be several.
     */
    public synchronized String rangeFilter(String table, String from, String to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select coalesce(array_agg(tid order by tid), '{}')::text from " + TABLE
                + " where toid = " + regclass(table) + " and tid >= ?::tid" + (to == null ? "" : " and tid < ?::tid"))) {
            ps.setString(1, from);
            if (to != null) {
                ps.setString(2, to);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String tids = rs.getString(1);
                if (!tids.matches("[{}()0-9,\\\"]*")) {
                    throw new IllegalStateException("unexpected ctid list from the subset of " + table);
                }
                return " where ctid = any('" + tids + "'::tid[])";
            }
        }
    }

    /** The connection holding the subset (its temporary table lives in this session). */
    public Connection connection() {
        return c;
    }

    // ---- the statements ----

    private static String down(Edge e) {
        // children of D rows
        return "insert into " + TABLE + " select distinct ch.tableoid, ch.ctid, 'D', " + regclass(e.parent()) + " from "
                + from(e.child(), e.childPartitioned()) + " ch join " + from(e.parent(), e.parentPartitioned()) + " pa on "
                + join(e) + " join " + TABLE + " s on s.toid = pa.tableoid and s.tid = pa.ctid and s.state = 'D'"
                + " on conflict do nothing";
    }

    private static String association(Edge e) {
        // association rows of U rows that were not reached through this association table
        return "insert into " + TABLE + " select distinct ch.tableoid, ch.ctid, 'A', " + regclass(e.parent()) + " from "
                + from(e.child(), e.childPartitioned()) + " ch join " + from(e.parent(), e.parentPartitioned()) + " pa on "
                + join(e) + " join " + TABLE + " s on s.toid = pa.tableoid and s.tid = pa.ctid and s.state = 'U'"
                + " and s.via <> " + regclass(e.child()) + " on conflict do nothing";
    }

    private static String up(Edge e) {
        // parents of every row in the subset
        return "insert into " + TABLE + " select distinct pa.tableoid, pa.ctid, 'U', " + regclass(e.child()) + " from "
                + from(e.parent(), e.parentPartitioned()) + " pa join " + from(e.child(), e.childPartitioned()) + " ch on "
                + join(e) + " join " + TABLE + " s on s.toid = ch.tableoid and s.tid = ch.ctid on conflict do nothing";
    }

    private static String join(Edge e) {
        List<String> on = new ArrayList<>();
        for (int i = 0; i < e.childColumns().size(); i++) {
            on.add("ch." + quote(e.childColumns().get(i)) + " = pa." + quote(e.parentColumns().get(i)));
        }
        return String.join(" and ", on);
    }

    private static String member(String alias) {
        return "exists (select 1 from " + TABLE + " s where s.toid = " + alias + ".tableoid and s.tid = " + alias + ".ctid)";
    }

    private static String notNull(String alias, List<String> cols) {
        return cols.stream().map(x -> alias + "." + quote(x) + " is not null").reduce((a, b) -> a + " and " + b).orElse("true");
    }

    static String from(String table, boolean partitioned) {
        return (partitioned ? "" : "only ") + qualified(table);
    }

    static String qualified(String table) {
        int dot = table.indexOf('.');
        return quote(table.substring(0, dot)) + "." + quote(table.substring(dot + 1));
    }

    private static String regclass(String table) {
        return "'" + qualified(table).replace("'", "''") + "'::regclass::oid";
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** The secret never reaches SQL (or the source's logs): a key derived from it and the subset's name does. */
    static String salt(String secret, String subset) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(("restage-subset-sample|" + subset).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sample's row key: the primary key's columns as text, else the whole row's text. */
    private static String rowKey(Connection c, String table, String alias) throws SQLException {
        List<String> pk = primaryKey(c, table);
        if (pk.isEmpty()) {
            return "(" + alias + ".*)::text";
        }
        return pk.stream().map(col -> "coalesce(" + alias + "." + quote(col) + "::text, '')").reduce((a, b) -> a + " || '|' || " + b)
                .orElseThrow();
    }

    private static long update(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.executeUpdate(sql);
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void require(Map<String, Character> kinds, String table, String where) {
        if (!kinds.containsKey(table)) {
            throw new IllegalArgumentException(where + " names table " + table + ", which the source does not have");
        }
    }

    // ---- the catalog ----

    /** Tables ('r') and partitioned tables ('p') of the user's schemas. */
    static Map<String, Character> tables(Connection c) throws SQLException {
        Map<String, Character> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select n.nspname || '.' || k.relname, k.relkind"
                + " from pg_class k join pg_namespace n on n.oid = k.relnamespace where k.relkind in ('r', 'p')"
                + " and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'"
                + " and n.nspname not like 'pg_temp%'")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2).charAt(0));
            }
        }
        return out;
    }

    private static Map<String, String> partitionRoots(Connection c) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select n.nspname || '.' || k.relname,"
                + " rn.nspname || '.' || r.relname from pg_class k join pg_namespace n on n.oid = k.relnamespace"
                + " join pg_class r on r.oid = pg_partition_root(k.oid) join pg_namespace rn on rn.oid = r.relnamespace"
                + " where k.relispartition")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    /**
     * Declared foreign keys, then relations. A key declared on a partition is read as its partitioned table's (Pagila
     * declares payment's keys on six of its seven partitions: the seventh's rows belong to the customer as much), and
     * the partitions' clones of a parent's key are one edge, not one per partition.
     */
    static List<Edge> edges(Connection c, Map<String, Character> kinds, Map<String, String> rootOf, SubsetConfig subset)
            throws SQLException {
        List<Edge> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select cn.nspname || '.' || ck.relname,"
                + " pn.nspname || '.' || pk.relname, k.conname,"
                + " array(select a.attname from unnest(k.conkey) with ordinality u(n, i) join pg_attribute a"
                + "   on a.attrelid = k.conrelid and a.attnum = u.n order by u.i)::text[],"
                + " array(select a.attname from unnest(k.confkey) with ordinality u(n, i) join pg_attribute a"
                + "   on a.attrelid = k.confrelid and a.attnum = u.n order by u.i)::text[]"
                + " from pg_constraint k join pg_class ck on ck.oid = k.conrelid join pg_namespace cn on cn.oid = ck.relnamespace"
                + " join pg_class pk on pk.oid = k.confrelid join pg_namespace pn on pn.oid = pk.relnamespace"
                + " where k.contype = 'f' order by 1, 3")) {
            while (rs.next()) {
                String child = rootOf.getOrDefault(rs.getString(1), rs.getString(1));
                String parent = rootOf.getOrDefault(rs.getString(2), rs.getString(2));
                if (!kinds.containsKey(child) || !kinds.containsKey(parent)) {
                    continue;
                }
                List<String> cc = strings(rs.getArray(4));
                List<String> pc = strings(rs.getArray(5));
                if (seen.add(child + cc + "->" + parent + pc)) {
                    out.add(new Edge(child, kinds.get(child) == 'p', cc, parent, kinds.get(parent) == 'p', pc, rs.getString(3)));
                }
            }
        }
        for (SubsetConfig.Relation r : subset.relations()) {
            require(kinds, r.childTable(), "subsets." + subset.name() + ".relations " + r);
            require(kinds, r.parentTable(), "subsets." + subset.name() + ".relations " + r);
            out.add(new Edge(r.childTable(), kinds.get(r.childTable()) == 'p', List.of(r.childColumn()), r.parentTable(),
                    kinds.get(r.parentTable()) == 'p', List.of(r.parentColumn()), "relation " + r));
        }
        return out;
    }

    /** Tables whose primary key is made only of columns of their foreign keys, with two foreign keys or more. */
    static Set<String> associations(Connection c, Map<String, Character> kinds) throws SQLException {
        Set<String> out = new java.util.HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select n.nspname || '.' || k.relname"
                + " from pg_constraint p join pg_class k on k.oid = p.conrelid join pg_namespace n on n.oid = k.relnamespace"
                + " where p.contype = 'p' and (select count(*) from pg_constraint f where f.conrelid = p.conrelid and f.contype = 'f') >= 2"
                + " and p.conkey <@ (select array_agg(x) from pg_constraint f, unnest(f.conkey) x where f.conrelid = p.conrelid"
                + " and f.contype = 'f')")) {
            while (rs.next()) {
                if (kinds.containsKey(rs.getString(1))) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select a.attname from pg_constraint p, unnest(p.conkey) with ordinality"
                + " u(n, i) join pg_attribute a on a.attnum = u.n where p.contype = 'p' and p.conrelid = to_regclass(?)"
                + " and a.attrelid = p.conrelid order by u.i")) {
            ps.setString(1, qualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static List<String> strings(Array a) throws SQLException {
        List<String> out = new ArrayList<>();
        for (Object o : (Object[]) a.getArray()) {
            out.add((String) o);
        }
        return out;
    }
}
