package io.restage.export.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/**
 * The participants' state tables come from migrations (db/participant from common, db/export here), with the service's
 * own history table, as the service's configuration sets them: on a fresh database, on a database an earlier release
 * made with "create if not exists" (taken over, missing columns added), and with two services migrating one shared
 * database at the same moment.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class ParticipantMigrationsTest {

    private static String freshDatabase() throws Exception {
        String name = "mig_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("postgres"), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("create database " + name);
        }
        return name;
    }

    /** The Flyway this service runs at start, built from its own configuration (locations, table, placeholders). */
    private static Flyway serviceFlyway(String db, String table, String outbox) {
        Config config = ConfigProvider.getConfig();
        return Flyway.configure()
                .dataSource(StackTestResource.stack().jdbcUrl(db), "postgres", "")
                .locations(config.getValue("quarkus.flyway.locations", String[].class))
                .table(table)
                .placeholders(Map.of("outbox", outbox))
                .baselineOnMigrate(config.getValue("quarkus.flyway.baseline-on-migrate", Boolean.class))
                .baselineVersion(config.getValue("quarkus.flyway.baseline-version", String.class))
                .load();
    }

    private static TreeSet<String> columns(String db, String table) throws Exception {
        TreeSet<String> cols = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl(db), "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("select column_name from information_schema.columns"
                     + " where table_schema = 'public' and table_name = '" + table + "'")) {
            while (rs.next()) {
                cols.add(rs.getString(1));
            }
        }
        return cols;
    }

    @Test
    void theRunningServiceMigratedItsOwnHistoryTable() throws Exception {
        Config config = ConfigProvider.getConfig();
        String table = config.getValue("quarkus.flyway.table", String.class);
        assertEquals("restage_schema_history_export", table);
        List<String> versions = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("restage"), "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("select version, success from " + table
                     + " where version is not null order by installed_rank")) {
            while (rs.next()) {
                assertTrue(rs.getBoolean(2), "migration " + rs.getString(1) + " failed");
                versions.add(rs.getString(1));
            }
        }
        assertTrue(versions.containsAll(List.of("1", "2")), versions.toString());
        assertTrue(columns("restage", "export_refresh").containsAll(List.of("owner", "lease_until", "validated")));
        assertTrue(columns("restage", "restage_outbox_export_service").contains("body"));
    }

    @Test
    void aDatabaseAnEarlierReleaseMadeIsTakenOverAndCompleted() throws Exception {
        String db = freshDatabase();
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl(db), "postgres", "");
             Statement st = c.createStatement()) {
            // as the first releases left it: the ledger without the later columns, a row in it, no history table
            st.execute("create table export_refresh (refresh_id text primary key, status text not null,"
                    + " started_at timestamptz not null default now(), finished_at timestamptz)");
            st.execute("insert into export_refresh (refresh_id, status) values ('r-old', 'DONE')");
            st.execute("create table restage_data_key (refresh_id text primary key, wrapped bytea,"
                    + " created_at timestamptz not null default now(), destroyed_at timestamptz)");
        }
        MigrateResult result = serviceFlyway(db, "restage_schema_history_export", "restage_outbox_export_service").migrate();
        assertTrue(result.success);
        assertEquals(2, result.migrationsExecuted, "baseline at 0, then V1 and V2");
        assertTrue(columns(db, "export_refresh").containsAll(List.of("owner", "lease_until", "cancel_requested", "attempt",
                "request", "validated")), columns(db, "export_refresh").toString());
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl(db), "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("select status, attempt from export_refresh where refresh_id = 'r-old'")) {
            assertTrue(rs.next(), "the earlier release's row survives");
            assertEquals("DONE", rs.getString(1));
            assertEquals(1, rs.getInt(2));
        }
        // a second start finds nothing to do
        assertEquals(0, serviceFlyway(db, "restage_schema_history_export", "restage_outbox_export_service").migrate()
                .migrationsExecuted);
    }

    @Test
    void servicesSharingOneStateDatabaseMigrateAtTheSameMoment() throws Exception {
        String db = freshDatabase();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<MigrateResult>> runs = new ArrayList<>();
            for (String svc : List.of("export", "import", "media", "anonymizer")) {
                Callable<MigrateResult> run = () -> serviceFlyway(db, "restage_schema_history_" + svc,
                        "restage_outbox_" + svc + "_service").migrate();
                runs.add(pool.submit(run));
            }
            for (Future<MigrateResult> f : runs) {
                assertTrue(f.get().success);
            }
        } finally {
            pool.shutdownNow();
        }
        for (String svc : List.of("export", "import", "media", "anonymizer")) {
            assertTrue(columns(db, "restage_outbox_" + svc + "_service").contains("refresh_id"), svc);
        }
        assertTrue(columns(db, "restage_processed_message").containsAll(List.of("service", "event_id", "processed_at")));
    }
}
