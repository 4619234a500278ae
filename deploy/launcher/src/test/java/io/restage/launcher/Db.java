package io.restage.launcher;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Small JDBC helpers for the end-to-end tests. */
final class Db {
    static Connection open(String url) throws SQLException {
        return DriverManager.getConnection(url, "postgres", "");
    }

    static List<String> column(String url, String sql) throws SQLException {
        try (Connection c = open(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    static String one(String url, String sql) throws SQLException {
        List<String> l = column(url, sql);
        return l.isEmpty() ? null : l.get(0);
    }

    static void exec(String url, String... statements) throws SQLException {
        try (Connection c = open(url); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** Leaf tables of the application's schemas (restage's own left out). */
    static List<String> tables(String url) throws SQLException {
        return column(url, "select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where c.relkind = 'r' and n.nspname not in ('pg_catalog','information_schema','restage')"
                + " and n.nspname not like 'pg\\_%' and n.nspname not like 'restage\\_stage\\_%' and n.nspname not like 'restage\\_gen\\_%' order by 1");
    }

    /**
     * A fingerprint of a database: every table's rows (md5 over all rows in a stable order), every sequence's
     * position, and restage's leftovers (staging schemas). Equal fingerprints mean the data is identical.
     */
    static Map<String, String> fingerprint(String url) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        for (String t : tables(url)) {
            out.put(t, one(url, "select count(*) || ':' || coalesce(md5(string_agg(x.t, E'\\n' order by x.t)), '') from (select "
                    + "r::text as t from " + t + " r) x"));
        }
        // a sequence's position is the value its next nextval() returns: (4001, called) and (4002, not called) are equal
        for (String s : column(url, "select format('%I.%I', schemaname, sequencename) from pg_sequences order by 1")) {
            out.put("sequence " + s, one(url, "select 'next ' || case when s.is_called then s.last_value + q.increment_by"
                    + " else s.last_value end from " + s + " s, pg_sequences q where format('%I.%I', q.schemaname,"
                    + " q.sequencename) = '" + s.replace("'", "''") + "'"));
        }
        out.put("staging schemas", String.join(",", column(url, "select nspname from pg_namespace where nspname like 'restage\\_stage\\_%'")));
        return out;
    }

    /**
     * Every index, constraint and view outside restage's own schemas, with what rebuilding one could lose: its definition,
     * comment, cluster mark, statistics targets, validation and the state of its triggers.
     */
    static String catalog(String url) throws SQLException {
        return one(url, """
                select string_agg(d, E'\\n' order by d) from (
                  select format('index %s.%s: %s clustered=%s replident=%s comment=%s stats=%s valid=%s', n.nspname, x.relname,
                         pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisreplident, obj_description(i.indexrelid, 'pg_class'),
                         (select string_agg(attnum || '=' || attstattarget, ',') from pg_attribute
                          where attrelid = i.indexrelid and attstattarget >= 0), i.indisvalid) d
                  from pg_index i join pg_class x on x.oid = i.indexrelid join pg_namespace n on n.oid = x.relnamespace
                  where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'restage%'
                  union all
                  select format('constraint %s.%s on %s: %s validated=%s comment=%s index=%s triggers=%s', n.nspname, k.conname,
                         k.conrelid::regclass, pg_get_constraintdef(k.oid), k.convalidated, obj_description(k.oid, 'pg_constraint'),
                         k.conindid::regclass, (select string_agg(g.tgenabled::text || ':' || g.tgrelid::regclass, ','
                                                order by g.tgrelid::regclass::text, g.tgenabled)
                                                from pg_trigger g where g.tgconstraint = k.oid))
                  from pg_constraint k join pg_namespace n on n.oid = k.connamespace
                  where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'restage%'
                  union all
                  select format('view %s.%s: %s', schemaname, viewname, definition) from pg_views
                  where schemaname not in ('pg_catalog', 'information_schema') and schemaname not like 'restage%'
                ) x
                """);
    }

    /** md5 of a table's rows projected on some columns, in a stable order. */
    static String projection(String url, String table, List<String> columns) throws SQLException {
        String cols = String.join(", ", columns.stream().map(c -> "\"" + c + "\"").toList());
        return one(url, "select count(*) || ':' || coalesce(md5(string_agg(x.t, E'\\n' order by x.t)), '') from (select row("
                + cols + ")::text as t from " + table + ") x");
    }

    private Db() {
    }
}
