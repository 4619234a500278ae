package io.restage.importer.commit;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.importer.staging.TargetCatalog;
import io.restage.stack.testing.StackTestResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Not a test (surefire skips *Benchmark): the commit's undo-generation copy on the SaaS benchmark's tables, one
 * connection against several, alternating, timed. {@code -Dcopy.scale=1} (default). Run with
 * {@code -Dtest=CommitCopyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class CommitCopyBenchmark {

    private static Connection open() throws SQLException {
        return DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
    }

    @Test
    void generationCopy() throws Exception {
        Path bench = Path.of("..", "deploy", "launcher", "src", "test", "resources", "bench");
        String scale = System.getProperty("copy.scale", "1");
        List<String> tables;
        try (Connection c = open(); Statement st = c.createStatement()) {
            st.execute("drop schema if exists cb cascade");
            st.execute("create schema cb");
            st.execute("set search_path = cb");
            st.execute(Files.readString(bench.resolve("saas-schema.sql")));
            st.execute("select set_config('restage.scale', '" + scale + "', false)");
            st.execute(Files.readString(bench.resolve("saas-data.sql")));
            st.execute("vacuum analyze");
            tables = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = st.executeQuery("select n.nspname || '.' || c.relname from pg_class c join pg_namespace n"
                    + " on n.oid = c.relnamespace where n.nspname = 'cb' and c.relkind = 'r' order by pg_table_size(c.oid) desc")) {
                while (rs.next()) {
                    tables.add(rs.getString(1)); // largest first, as GenerationCopy takes them
                }
            }
        }
        System.out.println("tables: " + tables);
        for (int round = 0; round < 3; round++) {
            for (int connections : new int[]{1, 2}) {
                String refresh = "bench" + round + "x" + connections;
                try (Connection c = open()) {
                    c.setAutoCommit(false);
                    Generations.ensureTables(c);
                    long start = System.nanoTime();
                    Generations.keep(c, refresh, "bench", tables, TargetCatalog.read(c), List.of(),
                            new GenerationCopy(new CommitConnections(CommitCopyBenchmark::open, connections, Duration.ofSeconds(5))));
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    c.rollback();
                    Generations.dropUnfinished(c, "bench", Duration.ofSeconds(5));
                    System.out.printf("round %d, generation kept on %d connection(s): %,d ms%n", round, connections, ms);
                }
            }
            // what the copy costs by itself: logged or not, one backend or two, each table by CREATE TABLE AS
            for (String kind : new String[]{"", "unlogged "}) {
                for (int threads : new int[]{1, 2}) {
                    long start = System.nanoTime();
                    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
                    List<Thread> workers = new java.util.ArrayList<>();
                    for (int w = 0; w < threads; w++) {
                        Thread t = new Thread(() -> {
                            try (Connection c = open(); Statement st = c.createStatement()) {
                                int k;
                                while ((k = next.getAndIncrement()) < tables.size()) {
                                    st.execute("create " + kind + "table cb_copy_" + k + " as select * from only " + tables.get(k));
                                }
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        t.start();
                        workers.add(t);
                    }
                    for (Thread t : workers) {
                        t.join();
                    }
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    try (Connection c = open(); Statement st = c.createStatement()) {
                        for (int k = 0; k < tables.size(); k++) {
                            st.execute("drop table cb_copy_" + k);
                        }
                    }
                    System.out.printf("round %d, %stables by CREATE TABLE AS on %d backend(s): %,d ms%n", round, kind, threads, ms);
                }
            }
        }
    }

    /**
     * The commit's load by itself: the staged rows (unlogged copies, not timed) moved into the tables, each variant in a
     * transaction rolled back after. "truncate + insert" is what the commit does (the tables' indexes dropped first, as
     * IndexRebuild does for big tables); "new table + insert" and "create table as" show what a fresh relation and
     * PostgreSQL's bulk-insert path cost on the same rows. {@code -Dtest=CommitCopyBenchmark#loadVariants}.
     */
    @Test
    void loadVariants() throws Exception {
        Path bench = Path.of("..", "deploy", "launcher", "src", "test", "resources", "bench");
        String scale = System.getProperty("copy.scale", "1");
        List<String> tables = new java.util.ArrayList<>();
        try (Connection c = open(); Statement st = c.createStatement()) {
            st.execute("drop schema if exists cl cascade");
            st.execute("drop schema if exists cl_stage cascade");
            st.execute("create schema cl");
            st.execute("create schema cl_stage");
            st.execute("set search_path = cl");
            st.execute(Files.readString(bench.resolve("saas-schema.sql")));
            st.execute("select set_config('restage.scale', '" + scale + "', false)");
            st.execute(Files.readString(bench.resolve("saas-data.sql")));
            try (java.sql.ResultSet rs = st.executeQuery("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    + " where n.nspname = 'cl' and c.relkind = 'r' order by pg_table_size(c.oid) desc")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                st.execute("create unlogged table cl_stage." + t + " with (autovacuum_enabled = false) as select * from only cl." + t);
            }
            st.execute("vacuum analyze");
        }
        List<String> rebuild = new java.util.ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (String variant : new String[]{"truncate + insert", "new table + insert", "create table as"}) {
                try (Connection c = open(); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    st.execute("set local session_replication_role = replica");
                    if (variant.startsWith("truncate")) {
                        st.execute("truncate " + tables.stream().map(t -> "only cl." + t).collect(java.util.stream.Collectors.joining(", ")));
                        // every index of the loaded tables dropped, as IndexRebuild does for big ones (rebuilt after, timed)
                        try (java.sql.ResultSet rs = st.executeQuery("select format('alter table %s add constraint %I %s', conrelid::regclass,"
                                + " conname, pg_get_constraintdef(oid)) from pg_constraint where connamespace = 'cl'::regnamespace"
                                + " and contype in ('p', 'u') union all select pg_get_indexdef(i.indexrelid) from pg_index i join pg_class c"
                                + " on c.oid = i.indrelid where c.relnamespace = 'cl'::regnamespace and not exists (select 1 from pg_constraint k"
                                + " where k.conindid = i.indexrelid)")) {
                            rebuild.clear();
                            while (rs.next()) {
                                rebuild.add(rs.getString(1));
                            }
                        }
                        List<String> drops = new java.util.ArrayList<>();
                        try (java.sql.ResultSet rs = st.executeQuery("select format('alter table %s drop constraint %I cascade', conrelid::regclass, conname)"
                                + " from pg_constraint where connamespace = 'cl'::regnamespace and contype in ('p', 'u')")) {
                            while (rs.next()) {
                                drops.add(rs.getString(1));
                            }
                        }
                        for (String d : drops) {
                            st.execute(d);
                        }
                        drops.clear();
                        try (java.sql.ResultSet rs = st.executeQuery("select format('drop index if exists %s', indexrelid::regclass) from pg_index i"
                                + " join pg_class c on c.oid = i.indrelid where c.relnamespace = 'cl'::regnamespace")) {
                            while (rs.next()) {
                                drops.add(rs.getString(1));
                            }
                        }
                        for (String d : drops) {
                            st.execute(d);
                        }
                    }
                    long start = System.nanoTime();
                    for (String t : tables) {
                        switch (variant) {
                            case "truncate + insert" -> st.execute("insert into cl." + t + " overriding system value select * from cl_stage." + t);
                            case "new table + insert" -> {
                                st.execute("create table cl_new_" + t + " (like cl." + t + ")");
                                st.execute("insert into cl_new_" + t + " select * from cl_stage." + t);
                            }
                            default -> st.execute("create table cl_new_" + t + " as select * from cl_stage." + t);
                        }
                    }
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    System.out.printf("round %d, %s: %,d ms%n", round, variant, ms);
                    if (variant.startsWith("truncate")) {
                        // the indexes and keys built again on the loaded rows, with the server's default memory and with four times that
                        for (String mem : new String[]{"64MB", "256MB"}) {
                            java.sql.Savepoint sp = c.setSavepoint();
                            st.execute("set local maintenance_work_mem = '" + mem + "'");
                            long b = System.nanoTime();
                            for (String ddl : rebuild) {
                                st.execute(ddl);
                            }
                            System.out.printf("round %d, %d indexes and keys built with maintenance_work_mem %s: %,d ms%n", round,
                                    rebuild.size(), mem, (System.nanoTime() - b) / 1_000_000);
                            c.rollback(sp);
                        }
                    }
                    c.rollback();
                }
            }
        }
    }
}
