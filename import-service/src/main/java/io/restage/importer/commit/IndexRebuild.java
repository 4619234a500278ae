package io.restage.importer.commit;

import io.restage.importer.staging.TargetCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Loads big tables the way {@code pg_restore} does: rows first, every index built once afterwards. Row-by-row btree
 * maintenance was most of the commit's second write (on the benchmark's 3.1 million rows, 12.4 s with the primary and
 * unique keys in place against 6 to 7 s without them, plus about 1 s to build them after).
 * <p>
 * Before the load, on the tables it is given (already emptied in the commit's transaction), it drops:
 * <ul>
 *   <li>plain indexes, and partitioned indexes whose every partition is loaded (each partition's index is recreated
 *       under its own name and attached again, as {@code pg_dump} does);</li>
 *   <li>primary-key and unique constraints, with the foreign keys that reference them, but only where every such
 *       foreign key belongs to a table the refresh also loads (so its check sees only refreshed rows) and is an
 *       ordinary one (not on a partitioned table, its triggers in their default state), and the index is not the
 *       table's replica identity; and where validating those foreign keys again reads no more rows than the key's
 *       table loads (on the benchmark's data, dropping the users' key would have validated seven foreign keys over
 *       1.2 million rows to save index inserts for 100,000).</li>
 * </ul>
 * Each drop runs under its own savepoint: one that something else depends on (a view grouping by the primary key, a
 * foreign key onto a plain unique index) fails, is rolled back, and that index stays and is maintained during the
 * load. After the load everything is recreated from the definitions read before: the same names, definitions,
 * tablespaces, comments, cluster marks and statistics targets; foreign keys that were validated are validated again.
 * <p>
 * All of it is inside the commit's transaction: a failure rolls the drops back with everything else. If a foreign key
 * cannot be validated again (the new rows reference rows the refresh does not bring: a subset, or a target with
 * rows of its own), {@link #load} puts every index back, empties the tables again and loads them with the indexes in
 * place: the commit then keeps the rows exactly as a load without this would have.
 */
final class IndexRebuild {

    /** What the load does; returns what the commit reports. */
    interface Load<T> {
        T run() throws SQLException;
    }

    /** What was dropped and the statements that recreate it, in order (constraints before the keys that use them). */
    record Plan(List<String> dropped, List<String> rebuild) {
        void apply(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                for (String ddl : rebuild) {
                    st.execute(ddl);
                }
            }
        }
    }

    private static final String FOREIGN_KEY_VIOLATION = "23503";

    /**
     * Drops the indexes of {@code tables} as described above, runs {@code load}, and rebuilds them. {@code loaded} are
     * all the tables the refresh writes (a foreign key from one of them may be dropped and validated again).
     */
    static <T> T load(Connection c, List<String> tables, Map<String, Long> loaded, Load<T> load, Consumer<String> log)
            throws SQLException {
        return load(c, tables, loaded, load, log, dropped -> { });
    }

    /** As above; {@code dropped} is told the names of the indexes and keys dropped before the load. */
    static <T> T load(Connection c, List<String> tables, Map<String, Long> loaded, Load<T> load, Consumer<String> log,
                      Consumer<List<String>> dropped) throws SQLException {
        if (tables.isEmpty()) {
            return load.run();
        }
        Savepoint before = c.setSavepoint();
        Plan plan = dropBeforeLoad(c, tables, loaded);
        log.accept(plan.dropped().size() + " indexes and keys dropped");
        dropped.accept(plan.dropped());
        T result = load.run();
        log.accept("rows loaded");
        try {
            plan.apply(c);
            c.releaseSavepoint(before);
            log.accept("indexes and keys rebuilt");
            return result;
        } catch (SQLException e) {
            if (!FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            // a reference the new rows leave dangling: load as before, the keys maintained row by row (no check)
            c.rollback(before);
            log.accept("a foreign key could not be validated again after the load (" + e.getSQLState()
                    + "): loaded again with every index in place");
            return load.run(); // the savepoint was taken on the emptied tables: they are empty again
        }
    }

    /** Drops what it can (each drop under its own savepoint) and returns what rebuilds it. */
    static Plan dropBeforeLoad(Connection c, List<String> tables, Map<String, Long> loaded) throws SQLException {
        List<String> dropped = new ArrayList<>();
        List<String> indexes = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> foreignKeys = new ArrayList<>();
        String defaultTablespace;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select current_setting('default_tablespace')")) {
            rs.next();
            defaultTablespace = rs.getString(1);
        }
        for (String[] ix : plainIndexes(c, tables)) {
            // name, definition, tablespace, comment; a partitioned index first recreates its partitions' indexes
            List<String> ddl = new ArrayList<>();
            if (ix[2] != null) {
                ddl.add("set local default_tablespace = " + ix[2]);
            }
            List<String> attach = new ArrayList<>();
            for (String[] child : partitionIndexes(c, ix[0])) {
                ddl.add(child[1]);
                ddl.addAll(extras(c, child[0], child[2]));
                attach.add("alter index " + ix[0] + " attach partition " + child[0]);
            }
            ddl.add(ix[1]);
            ddl.addAll(attach);
            ddl.addAll(extras(c, ix[0], ix[3]));
            if (ix[2] != null) {
                ddl.add("set local default_tablespace = " + TargetCatalog.literal(defaultTablespace));
            }
            if (tryDrop(c, List.of("drop index " + ix[0]))) {
                dropped.add(ix[0]);
                indexes.addAll(ddl);
            }
        }
        for (Key k : keys(c, tables, loaded)) {
            List<String> drops = new ArrayList<>();
            for (String[] fk : k.foreignKeys()) {
                drops.add("alter table " + fk[0] + " drop constraint " + fk[1]);
            }
            drops.add("alter table " + k.table() + " drop constraint " + k.name());
            if (tryDrop(c, drops)) {
                dropped.add(k.name());
                keys.addAll(k.rebuild());
                for (String[] fk : k.foreignKeys()) {
                    foreignKeys.add("alter table " + fk[0] + " add constraint " + fk[1] + " " + fk[2]);
                    if (fk[3] != null) {
                        foreignKeys.add("comment on constraint " + fk[1] + " on " + fk[0] + " is " + TargetCatalog.literal(fk[3]));
                    }
                }
            }
        }
        List<String> rebuild = new ArrayList<>(indexes);
        rebuild.addAll(keys);
        rebuild.addAll(foreignKeys);
        return new Plan(dropped, rebuild);
    }

    private static boolean tryDrop(Connection c, List<String> statements) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try (Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
            c.releaseSavepoint(sp);
            return true;
        } catch (SQLException dependedOn) {
            c.rollback(sp);
            return false;
        }
    }

    /**
     * Plain indexes of the tables (not a constraint's, not a partition's part of a partitioned index), and partitioned
     * plain indexes whose partitions are all loaded tables: name, definition, tablespace (quoted, or null for the
     * database's), comment.
     */
    private static List<String[]> plainIndexes(Connection c, List<String> tables) throws SQLException {
        return rows(c, """
                select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
                       (select quote_ident(spcname) from pg_tablespace s where s.oid = x.reltablespace),
                       obj_description(i.indexrelid, 'pg_class')
                from pg_index i
                join pg_class x on x.oid = i.indexrelid
                join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
                where not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x'))
                  and not exists (select 1 from pg_inherits h where h.inhrelid = i.indexrelid)
                  and not i.indisreplident
                  and ((t.relkind = 'r' and n.nspname || '.' || t.relname = any (?))
                       or (t.relkind = 'p' and x.relkind = 'I'
                           and exists (select 1 from pg_inherits p where p.inhparent = t.oid)
                           and not exists (select 1 from pg_inherits p join pg_class pt on pt.oid = p.inhrelid
                                           join pg_namespace pn on pn.oid = pt.relnamespace
                                           where p.inhparent = t.oid
                                             and (pt.relkind <> 'r' or not pn.nspname || '.' || pt.relname = any (?)))))
                order by 1
                """, tables, tables);
    }

    /** The partitions' indexes attached to a partitioned index: name, definition, comment. */
    private static List<String[]> partitionIndexes(Connection c, String index) throws SQLException {
        return rows(c, """
                select h.inhrelid::regclass::text, pg_get_indexdef(h.inhrelid), obj_description(h.inhrelid, 'pg_class')
                from pg_inherits h where h.inhparent = ?::regclass order by 1
                """, index);
    }

    /** A primary-key or unique constraint that may be dropped, the foreign keys onto it, and what rebuilds the key. */
    private record Key(String table, String name, List<String> rebuild, List<String[]> foreignKeys) {
    }

    private static List<Key> keys(Connection c, List<String> tables, Map<String, Long> loaded) throws SQLException {
        List<Key> out = new ArrayList<>();
        List<String[]> candidates = rows(c, """
                select k.conrelid::regclass::text, quote_ident(k.conname), pg_get_constraintdef(k.oid),
                       obj_description(k.oid, 'pg_constraint'), k.conindid::regclass::text, k.conindid::text,
                       n.nspname || '.' || t.relname
                from pg_constraint k
                join pg_class t on t.oid = k.conrelid join pg_namespace n on n.oid = t.relnamespace
                join pg_index i on i.indexrelid = k.conindid
                join pg_class x on x.oid = k.conindid
                where k.contype in ('p', 'u') and t.relkind = 'r' and n.nspname || '.' || t.relname = any (?)
                  and x.relname = k.conname and not i.indisreplident
                  and not exists (select 1 from pg_inherits h where h.inhrelid = k.conindid)
                  and not exists (
                      select 1 from pg_constraint f
                      join pg_class r on r.oid = f.conrelid join pg_namespace rn on rn.oid = r.relnamespace
                      where f.contype = 'f' and f.conindid = k.conindid
                        and (r.relkind <> 'r' or f.conparentid <> 0 or not rn.nspname || '.' || r.relname = any (?)
                             or exists (select 1 from pg_trigger g where g.tgconstraint = f.oid and g.tgenabled <> 'O')))
                order by 1, 2
                """, tables, new ArrayList<>(loaded.keySet()));
        for (String[] k : candidates) {
            List<String> rebuild = new ArrayList<>();
            rebuild.add("alter table " + k[0] + " add constraint " + k[1] + " " + k[2]);
            if (k[3] != null) {
                rebuild.add("comment on constraint " + k[1] + " on " + k[0] + " is " + TargetCatalog.literal(k[3]));
            }
            rebuild.addAll(extras(c, k[4], null));
            List<String[]> fks = rows(c, """
                    select f.conrelid::regclass::text, quote_ident(f.conname), pg_get_constraintdef(f.oid),
                           obj_description(f.oid, 'pg_constraint'), rn.nspname || '.' || r.relname
                    from pg_constraint f join pg_class r on r.oid = f.conrelid join pg_namespace rn on rn.oid = r.relnamespace
                    where f.contype = 'f' and f.conindid = ?::oid order by 1, 2
                    """, k[5]);
            long validated = 0;
            for (String[] fk : fks) {
                if (!fk[2].endsWith("NOT VALID")) {
                    validated += loaded.getOrDefault(fk[4], 0L);
                }
            }
            if (validated > loaded.getOrDefault(k[6], 0L)) {
                // validating the foreign keys again would read more rows than maintaining the key saves
                continue;
            }
            out.add(new Key(k[0], k[1], rebuild, fks));
        }
        return out;
    }

    /** What an index's definition does not carry: its comment, the table's cluster mark, per-column statistics targets. */
    private static List<String> extras(Connection c, String index, String comment) throws SQLException {
        List<String> out = new ArrayList<>();
        if (comment != null) {
            out.add("comment on index " + index + " is " + TargetCatalog.literal(comment));
        }
        for (String[] row : rows(c, """
                select i.indrelid::regclass::text, quote_ident(x.relname)
                from pg_index i join pg_class x on x.oid = i.indexrelid where i.indexrelid = ?::regclass and i.indisclustered
                """, index)) {
            out.add("alter table " + row[0] + " cluster on " + row[1]);
        }
        for (String[] row : rows(c, """
                select format('alter index %s alter column %s set statistics %s', attrelid::regclass, attnum, attstattarget)
                from pg_attribute where attrelid = ?::regclass and attstattarget >= 0 order by attnum
                """, index)) {
            out.add(row[0]);
        }
        return out;
    }

    private static List<String[]> rows(Connection c, String sql, Object... args) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof List<?> l) {
                    ps.setArray(i + 1, c.createArrayOf("text", l.toArray()));
                } else {
                    ps.setString(i + 1, (String) args[i]);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    String[] row = new String[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    private IndexRebuild() {
    }
}
