package io.restage.importer.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.messages.TableCount;
import io.restage.importer.staging.TargetCatalog;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An undo puts the kept rows back the way the commit loads them: a big table's indexes and keys dropped, rows in, built
 * again. Whether it rebuilds or keeps the indexes in place, the target ends exactly as it was: the same rows, indexes,
 * keys (validated) and views. On the real server.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class UndoIndexRebuildTest {
    private String schema;
    private String target;

    private static Connection open() throws SQLException {
        return DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
    }

    @BeforeEach
    void tables() throws Exception {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        schema = "ur_" + id;
        target = "ur-target-" + id;
        try (Connection c = open(); Statement st = c.createStatement()) {
            st.execute("create schema " + schema);
            st.execute("create table " + schema + ".accounts (id int primary key, code text unique, name text)");
            st.execute("insert into " + schema + ".accounts select i, 'c' || i, 'name ' || i from generate_series(1, 3000) i");
            st.execute("create table " + schema + ".orders (id bigint generated always as identity primary key,"
                    + " account int not null references " + schema + ".accounts (id), total numeric, deleted_at timestamptz)");
            st.execute("create index orders_account on " + schema + ".orders (account) where deleted_at is null");
            st.execute("comment on index " + schema + ".orders_account is 'live orders by account'");
            st.execute("insert into " + schema + ".orders (account, total, deleted_at) overriding system value select 1 + i % 3000,"
                    + " i * 1.5, case when i % 10 = 0 then now() end from generate_series(1, 9000) i");
            // a view grouping by the primary key depends on it: that key cannot be dropped and stays in place
            st.execute("create view " + schema + ".totals as select a.id, a.name, sum(o.total) from " + schema + ".accounts a"
                    + " join " + schema + ".orders o on o.account = a.id group by a.id");
        }
    }

    @AfterEach
    void drop() throws Exception {
        try (Connection c = open(); Statement st = c.createStatement()) {
            st.execute("drop schema if exists " + schema + " cascade");
            st.execute("drop schema if exists " + Generations.schemaFor(schema) + " cascade");
            st.execute("delete from " + Committer.AUDIT_TABLE + " where refresh_id = '" + schema + "'");
            st.execute("delete from " + Generations.TABLE + " where refresh_id = '" + schema + "'");
        }
    }

    /** The rows, indexes, constraints and views of the schema, as text to compare. */
    private String state(Connection c) throws SQLException {
        return one(c, "select md5(string_agg(a::text, ',' order by a.id)) from " + schema + ".accounts a") + "\n"
                + one(c, "select md5(string_agg(o::text, ',' order by o.id)) from " + schema + ".orders o") + "\n"
                + one(c, "select string_agg(indexdef || coalesce(' -- ' || obj_description(format('%I.%I', schemaname, indexname)::regclass,"
                        + " 'pg_class'), ''), E'\\n' order by indexname) from pg_indexes where schemaname = '" + schema + "'") + "\n"
                + one(c, "select string_agg(conname || ' ' || contype::text || ' ' || convalidated || ' ' || pg_get_constraintdef(oid),"
                        + " E'\\n' order by conname) from pg_constraint where connamespace = '" + schema + "'::regnamespace") + "\n"
                + one(c, "select pg_get_viewdef('" + schema + ".totals'::regclass)");
    }

    /** A commit that replaced the two tables (its generation kept, the identity's position with it) and committed. */
    private void commit(Connection c) throws Exception {
        c.setAutoCommit(false);
        Generations.ensureTables(c);
        List<String> tables = List.of(schema + ".accounts", schema + ".orders");
        Generations.keep(c, schema, target, tables, TargetCatalog.read(c), List.of(schema + ".orders_id_seq"),
                new GenerationCopy(CommitConnections.alone()));
        try (Statement st = c.createStatement()) {
            st.execute("set local session_replication_role = replica");
            st.execute("truncate " + schema + ".accounts, " + schema + ".orders");
            st.execute("insert into " + schema + ".accounts select i, 'n' || i, 'new ' || i from generate_series(1, 40) i");
            st.execute("insert into " + schema + ".orders (account, total) select 1 + i % 40, i from generate_series(1, 100) i");
            st.execute("insert into " + Committer.AUDIT_TABLE + " (refresh_id, source, target, requested_by, result,"
                    + " anonymizers_ran, anonymizers_skipped, rows) values ('" + schema + "', 'production', '" + target
                    + "', 'tester', 'SUCCEEDED', '{}', '{}', '[]')");
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /** That commit, then the undo with {@code rebuildRows}. */
    private List<TableCount> commitThenUndo(Connection c, long rebuildRows) throws Exception {
        commit(c);
        return Generations.undo(c, schema, target, "tester", rebuildRows).restored();
    }

    @Test
    void theUndoRestoresRowsIndexesKeysAndViewsExactlyWhetherItRebuildsTheIndexesOrNot() throws Exception {
        // table-driven: every big table rebuilt (0), and none (the indexes maintained row by row, as before)
        for (long rebuildRows : new long[]{0, Long.MAX_VALUE}) {
            if (rebuildRows != 0) {
                drop();
                tables();
            }
            try (Connection c = open()) {
                String before = state(c);
                String indexOids = "select string_agg(indexrelid::text, ',' order by indexrelid) from pg_index where indrelid = '"
                        + schema + ".orders'::regclass";
                String oidsBefore = one(c, indexOids);
                List<TableCount> restored = commitThenUndo(c, rebuildRows);
                // built again (new relations) when the undo rebuilds, the very same ones when it keeps them in place
                assertEquals(rebuildRows == 0, !oidsBefore.equals(one(c, indexOids)), "rebuildRows " + rebuildRows);
                assertEquals(List.of(new TableCount(schema + ".accounts", 3000), new TableCount(schema + ".orders", 9000)),
                        restored, "rebuildRows " + rebuildRows);
                assertEquals(before, state(c), "rebuildRows " + rebuildRows);
                assertEquals("UNDONE", one(c, "select result from " + Committer.AUDIT_TABLE + " where refresh_id = '" + schema + "'"));
                // the identity continues past the restored rows, as before the refresh
                try (Statement st = c.createStatement()) {
                    st.execute("insert into " + schema + ".orders (account, total) values (1, 1)");
                }
                assertEquals("9001", one(c, "select max(id) from " + schema + ".orders"));
            }
        }
    }

    @Test
    void anUndoThatFailsAfterTheIndexesWereDroppedLeavesTheRefreshedDataAndEveryIndex() throws Exception {
        try (Connection c = open(); Connection other = open()) {
            String kept = state(c);
            commit(c);
            String refreshed = state(other);
            Generations.makeDurable(c, schema, java.time.Duration.ofSeconds(5)); // as the importer does after a commit
            // the kept orders lose a row behind the generation's back: the restored count no longer matches, after the drop
            String ordersGen = one(other, "select gen_table from " + Generations.schemaFor(schema) + "._tables where target_table = '"
                    + schema + ".orders'");
            try (Statement st = other.createStatement()) {
                st.execute("delete from " + Generations.schemaFor(schema) + "." + ordersGen + " where ctid = (select min(ctid) from "
                        + Generations.schemaFor(schema) + "." + ordersGen + ")");
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Generations.undo(c, schema, target, "tester", 0));
            assertEquals(schema + ".orders: restored 8999 rows but 9000 were kept", e.getMessage());
            assertEquals(refreshed, state(other), "rolled back: the refreshed rows and every index and key as they were");
            assertTrue(!kept.equals(refreshed));
            assertEquals("SUCCEEDED", one(other, "select result from " + Committer.AUDIT_TABLE + " where refresh_id = '" + schema + "'"));
        }
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
