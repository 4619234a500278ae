package io.restage.importer.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.importer.staging.TargetCatalog;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The undo generation copied aside on several connections: exactly the rows the commit replaces, listed only by the
 * commit's transaction, and nothing left behind when that transaction rolls back. On the real server.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class GenerationCopyTest {
    private String schema;
    private String target;
    private final List<String> tables = new ArrayList<>();

    private static Connection open() throws SQLException {
        return DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
    }

    @BeforeEach
    void tables() throws Exception {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        schema = "gc_" + id;
        target = "gc-target-" + id;
        try (Connection c = open(); Statement st = c.createStatement()) {
            st.execute("create schema " + schema);
            // five shapes and sizes: the copies go largest first to whichever connection is free
            st.execute("create table " + schema + ".big (id int primary key, body text, tags text[], doc jsonb)");
            st.execute("insert into " + schema + ".big select i, repeat('b', 200 + i % 50), array['t' || i % 7], jsonb_build_object('n', i)"
                    + " from generate_series(1, 20000) i");
            st.execute("create table " + schema + ".gen (id int, twice int generated always as (id * 2) stored)");
            st.execute("insert into " + schema + ".gen select i from generate_series(1, 3000) i");
            st.execute("create table " + schema + ".soft (id int, deleted_at timestamptz)");
            st.execute("insert into " + schema + ".soft select i, case when i % 3 = 0 then now() end from generate_series(1, 500) i");
            st.execute("create table " + schema + ".empty (id int)");
            st.execute("create table " + schema + ".nocols ()");
            st.execute("insert into " + schema + ".nocols select from generate_series(1, 7)");
        }
        tables.addAll(List.of(schema + ".big", schema + ".gen", schema + ".soft", schema + ".empty", schema + ".nocols"));
    }

    @AfterEach
    void drop() throws Exception {
        try (Connection c = open(); Statement st = c.createStatement()) {
            st.execute("drop schema if exists " + schema + " cascade");
            st.execute("drop schema if exists " + Generations.schemaFor(schema) + " cascade");
        }
    }

    private Map<String, List<TargetColumn>> columns(Connection c) throws SQLException {
        return TargetCatalog.read(c);
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static GenerationCopy copy(int connections, AtomicInteger opened) {
        return new GenerationCopy(new CommitConnections(() -> {
            opened.incrementAndGet();
            return open();
        }, connections, Duration.ofSeconds(5)));
    }

    /** Where the refresh id is this test's schema name: the generation's schema is {@code schemaFor(schema)}. */
    private String gen() {
        return Generations.schemaFor(schema);
    }

    @Test
    void severalConnectionsCopyEveryTableExactlyAndOnlyTheCommitListsThem() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        try (Connection c = open(); Connection other = open()) {
            c.setAutoCommit(false);
            Generations.ensureTables(c);
            c.commit();
            Generations.keep(c, schema, target, tables, columns(c), List.of(), copy(3, opened));
            // the schema and the other connections' tables are committed, but only the commit's transaction lists them
            assertEquals(3, opened.get(), "the schema's connection and two copying connections");
            assertEquals(1, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
            assertEquals(0, count(other, "select count(*) from pg_class where relname = '_tables' and relnamespace = '"
                    + gen() + "'::regnamespace"));
            assertEquals(5, count(c, "select count(*) from " + gen() + "._tables"));
            c.commit();
            for (String[] expected : List.of(new String[]{"big", "20000"}, new String[]{"gen", "3000"}, new String[]{"soft", "500"},
                    new String[]{"empty", "0"}, new String[]{"nocols", "7"})) {
                String t = schema + "." + expected[0];
                String g;
                try (Statement st = other.createStatement(); ResultSet rs = st.executeQuery("select gen_table, rows from " + gen()
                        + "._tables where target_table = '" + t + "'")) {
                    assertTrue(rs.next(), t);
                    g = gen() + "." + rs.getString(1);
                    assertEquals(Long.parseLong(expected[1]), rs.getLong(2), t);
                }
                assertEquals(Long.parseLong(expected[1]), count(other, "select count(*) from " + g), t);
                if (!expected[0].equals("nocols")) {
                    String cols = expected[0].equals("gen") ? "id" : "*";
                    // the same rows, duplicates counted, both ways
                    assertEquals(0, count(other, "select count(*) from ((select " + cols + " from " + t + " except all select * from "
                            + g + ") union all (select * from " + g + " except all select " + cols + " from " + t + ")) d"), t);
                }
            }
            assertEquals("KEPT", one(other, "select state from " + Generations.TABLE + " where refresh_id = '" + schema + "'"));
            assertEquals("restage: undo generation of target " + target,
                    one(other, "select obj_description('" + gen() + "'::regnamespace, 'pg_namespace')"));
        }
    }

    @Test
    void oneConnectionCopiesInsideTheCommitsTransactionAlone() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        try (Connection c = open(); Connection other = open()) {
            c.setAutoCommit(false);
            Generations.ensureTables(c);
            c.commit();
            Generations.keep(c, schema, target, tables, columns(c), List.of(), copy(1, opened));
            assertEquals(0, opened.get());
            assertEquals(0, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"), "nothing committed yet");
            c.rollback();
            assertEquals(0, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
        }
    }

    @Test
    void withNoConnectionToSpareTheCommitCopiesAlone() throws Exception {
        for (int spare : new int[]{0, 1}) { // none at all; one for the schema, none for a helper
            AtomicInteger opened = new AtomicInteger();
            GenerationCopy copy = new GenerationCopy(new CommitConnections(() -> {
                if (opened.getAndIncrement() >= spare) {
                    throw new SQLException("sorry, too many clients already", "53300");
                }
                return open();
            }, 3, Duration.ofSeconds(5)));
            try (Connection c = open(); Connection other = open()) {
                c.setAutoCommit(false);
                Generations.ensureTables(c);
                c.commit();
                Generations.keep(c, schema, target, tables, columns(c), List.of(), copy);
                assertEquals(5, count(c, "select count(*) from " + gen() + "._tables"));
                assertEquals(20000, count(c, "select rows from " + gen() + "._tables where target_table = '" + schema + ".big'"));
                assertEquals(spare == 0 ? 0 : 1, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
                c.rollback();
                assertNull(Generations.dropUnfinished(c, target, Duration.ofSeconds(5)));
            }
        }
    }

    /** On {@code c}: a commit's transaction that kept the generation on two connections, then rolled back. */
    private void keepAndRollBack(Connection c) throws Exception {
        c.setAutoCommit(false);
        Generations.ensureTables(c);
        c.commit();
        Generations.keep(c, schema, target, tables, columns(c), List.of(), copy(2, new AtomicInteger()));
        c.rollback();
    }

    @Test
    void aCommitThatRollsBackLeavesNoGenerationBehind() throws Exception {
        try (Connection c = open(); Connection other = open()) {
            keepAndRollBack(c);
            // what the other connection committed is left, marked unfinished, and no undo can use it
            assertEquals(GenerationCopy.UNFINISHED + target,
                    one(other, "select obj_description('" + gen() + "'::regnamespace, 'pg_namespace')"));
            assertEquals(0, count(other, "select count(*) from " + Generations.TABLE + " where refresh_id = '" + schema + "'"));
            assertNull(Generations.dropUnfinished(c, target, Duration.ofSeconds(5)));
            assertEquals(0, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
        }
    }

    @Test
    void theNextCommitOfTheTargetDropsWhatARolledBackOneLeft() throws Exception {
        try (Connection c = open(); Connection other = open()) {
            keepAndRollBack(c);
            // another target's unfinished generation is not this target's to drop
            try (Statement st = other.createStatement()) {
                st.execute("create schema " + gen() + "x");
                st.execute("comment on schema " + gen() + "x is '" + GenerationCopy.UNFINISHED + target + "-other'");
            }
            try {
                Generations.lockTarget(c, target);
                Generations.prune(c, target, 1);
                c.commit();
                assertEquals(0, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
                assertEquals(1, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "x'"));
            } finally {
                try (Statement st = other.createStatement()) {
                    st.execute("drop schema " + gen() + "x");
                }
            }
        }
    }

    @Test
    void aFailedCopyStopsTheOthersIsThrownAndTheRollbackLeavesNothing() throws Exception {
        try (Connection c = open(); Connection other = open()) {
            c.setAutoCommit(false);
            Generations.ensureTables(c);
            c.commit();
            Map<String, List<TargetColumn>> cols = new java.util.HashMap<>(columns(c));
            // a column the table does not have: whichever connection takes the table fails
            cols.put(schema + ".soft", List.of(new TargetColumn("no_such_column", "int", false, false, false, "int")));
            SQLException e = assertThrows(SQLException.class,
                    () -> Generations.keep(c, schema, target, tables, cols, List.of(), copy(3, new AtomicInteger())));
            assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
            c.rollback();
            assertNull(Generations.dropUnfinished(c, target, Duration.ofSeconds(5)));
            assertEquals(0, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
            assertEquals(0, count(other, "select count(*) from " + Generations.TABLE + " where refresh_id = '" + schema + "'"));
        }
    }

    @Test
    void aWriterThatCommitsWhileTheCommitWaitsIsInTheGenerationAndLaterWritersWait() throws Exception {
        try (Connection c = open(); Connection writer = open(); Connection other = open()) {
            c.setAutoCommit(false);
            Generations.ensureTables(c);
            c.commit();
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement()) {
                st.execute("insert into " + schema + ".soft values (-1, null)");
            }
            Map<String, List<TargetColumn>> cols = columns(c);
            CompletableFuture<Void> keep = CompletableFuture.runAsync(() -> {
                try {
                    Generations.keep(c, schema, target, tables, cols, List.of(), copy(2, new AtomicInteger()));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            // the commit waits for the writer's lock before it copies anything
            Instant deadline = Instant.now().plusSeconds(30);
            while (count(other, "select count(*) from pg_locks l join pg_class r on r.oid = l.relation where not l.granted"
                    + " and l.mode = 'ExclusiveLock' and r.relname = 'soft' and r.relnamespace = '" + schema + "'::regnamespace") == 0) {
                assertTrue(Instant.now().isBefore(deadline), "the commit never waited for the writer");
                Thread.onSpinWait();
            }
            writer.commit();
            keep.get(60, TimeUnit.SECONDS);
            assertEquals(501, count(c, "select rows from " + gen() + "._tables where target_table = '" + schema + ".soft'"));
            // while the commit's transaction is open, a write waits (here: gives up after its lock timeout); reads go on
            try (Statement st = writer.createStatement()) {
                st.execute("set local lock_timeout = 200");
                SQLException blocked = assertThrows(SQLException.class, () -> st.execute("insert into " + schema + ".soft values (-2, null)"));
                assertEquals("55P03", blocked.getSQLState());
            }
            writer.rollback();
            assertEquals(501, count(other, "select count(*) from " + schema + ".soft"));
            c.rollback();
            assertNull(Generations.dropUnfinished(c, target, Duration.ofSeconds(5)));
        }
    }

    @Test
    void theGenerationIsCopiedUnloggedMadeCrashSafeAfterTheCommitAndAnUndoRefusesOneACrashEmptied() throws Exception {
        try (Connection c = open(); Connection other = open()) {
            c.setAutoCommit(false);
            Generations.ensureTables(c);
            Generations.keep(c, schema, target, tables, columns(c), List.of(), copy(2, new AtomicInteger()));
            try (Statement st = c.createStatement()) {
                st.execute("insert into " + Committer.AUDIT_TABLE + " (refresh_id, source, target, requested_by, result,"
                        + " anonymizers_ran, anonymizers_skipped, rows) values ('" + schema + "', 'production', '" + target
                        + "', 'tester', 'SUCCEEDED', '{}', '{}', '[]')");
            }
            c.commit();
            c.setAutoCommit(true);
            String persistence = "select string_agg(distinct relpersistence::text, ',') from pg_class where relkind = 'r'"
                    + " and relnamespace = '" + gen() + "'::regnamespace and relname like 'g%'";
            assertEquals("u", one(other, persistence), "copied unlogged inside the commit");
            // what crash recovery does to an unlogged table, on the largest one
            try (Statement st = other.createStatement()) {
                st.execute("truncate " + gen() + ".g0");
            }
            Generations.UndoRefused refused = assertThrows(Generations.UndoRefused.class,
                    () -> Generations.undo(c, schema, target, "tester"));
            assertEquals("the previous state kept for refresh " + schema + " was lost: a crash restart or failover of the target's"
                    + " server emptied it before it was made crash-safe (" + schema + ".big: 20000 rows kept, 0 left); nothing was"
                    + " restored, the target keeps its current data", refused.getMessage());
            assertEquals(20000, count(other, "select count(*) from " + schema + ".big"), "the target was not touched");
            // after the commit, the importer rewrites the generation logged: from then on a crash cannot empty it
            assertEquals(5, Generations.makeDurable(c, schema, Duration.ofSeconds(5)));
            assertEquals("p", one(other, persistence));
            assertEquals(0, Generations.makeDurable(c, schema, Duration.ofSeconds(5)), "nothing left to do the second time");
            try (Statement st = other.createStatement()) {
                st.execute("delete from " + Committer.AUDIT_TABLE + " where refresh_id = '" + schema + "'");
                st.execute("delete from " + Generations.TABLE + " where refresh_id = '" + schema + "'");
            }
        }
    }

    @Test
    void aGenerationInUseIsDroppedByTheNextCommitInsteadOfHoldingThisOneUp() throws Exception {
        try (Connection c = open(); Connection holder = open(); Connection other = open()) {
            c.setAutoCommit(false);
            Generations.ensureTables(c);
            Generations.keep(c, schema, target, tables, columns(c), List.of(), copy(2, new AtomicInteger()));
            c.commit();
            // the importer's rewrite to logged (or any session) holds one of its tables
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("lock table " + gen() + ".g0 in access share mode");
            }
            try {
                try (Statement st = c.createStatement()) {
                    st.execute("set local lock_timeout = 200");
                }
                Generations.lockTarget(c, target);
                Generations.prune(c, target, 0); // a later commit that keeps none
                c.commit();
                assertEquals("KEPT", one(other, "select state from " + Generations.TABLE + " where refresh_id = '" + schema + "'"));
                assertEquals(1, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
            } finally {
                holder.rollback();
            }
            Generations.lockTarget(c, target);
            Generations.prune(c, target, 0);
            c.commit();
            assertEquals("DROPPED", one(other, "select state from " + Generations.TABLE + " where refresh_id = '" + schema + "'"));
            assertEquals(0, count(other, "select count(*) from pg_namespace where nspname = '" + gen() + "'"));
            try (Statement st = other.createStatement()) {
                st.execute("delete from " + Generations.TABLE + " where refresh_id = '" + schema + "'");
            }
        }
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
