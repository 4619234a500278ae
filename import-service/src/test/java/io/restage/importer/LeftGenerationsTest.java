package io.restage.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.importer.commit.GenerationsAccess;
import io.restage.stack.testing.StackTestResource;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An importer that stopped between a commit and making its undo generation crash-safe leaves it unlogged: the next start
 * makes it crash-safe, and leaves alone the generations of commits whose importer is alive (kept after it started).
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class LeftGenerationsTest {
    @Inject
    ImportHandler handler;

    private static Connection open() throws SQLException {
        return DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
    }

    @Test
    void aGenerationLeftUnloggedIsMadeCrashSafeAtTheNextStartAndALiveCommitsIsLeftAlone() throws Exception {
        String refreshId = "lg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String persistence = "select string_agg(distinct c.relpersistence::text, ',') from pg_class c join pg_namespace n"
                + " on n.oid = c.relnamespace where n.nspname = '" + GenerationsAccess.schemaFor(refreshId) + "' and c.relkind = 'r'"
                + " and c.relname like 'g%'";
        try (Connection c = open()) {
            try (Statement st = c.createStatement()) {
                st.execute("create schema " + refreshId);
                st.execute("create table " + refreshId + ".items (id int primary key, name text)");
                st.execute("insert into " + refreshId + ".items select i, 'item ' || i from generate_series(1, 5000) i");
            }
            GenerationsAccess.keepAndCommit(c, refreshId, "lg-target", refreshId + ".items");
            assertEquals("u", one(c, persistence), "the commit copies the generation unlogged");

            // a process that started before this commit: its importer is alive and makes it crash-safe itself
            handler.makeLeftGenerationsDurable(Instant.now().minus(Duration.ofHours(1)));
            assertEquals("u", one(c, persistence), "left to the live commit's importer");

            // a process that started after it: the importer that committed stopped before making it crash-safe
            int found = handler.makeLeftGenerationsDurable(Instant.now().plus(Duration.ofMinutes(1)));
            assertTrue(found >= 1, "found " + found);
            assertEquals("p", one(c, persistence), "made crash-safe");
            assertEquals("5000", one(c, "select count(*) from " + GenerationsAccess.schemaFor(refreshId) + ".g0"), "with its rows");
            try (Statement st = c.createStatement()) {
                st.execute("drop schema " + refreshId + " cascade");
                st.execute("drop schema " + GenerationsAccess.schemaFor(refreshId) + " cascade");
                st.execute("delete from restage.generations where refresh_id = '" + refreshId + "'");
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
