package io.restage.importer.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.HookConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.messages.ImportReply.HookResult;
import io.restage.stack.testing.StackTestResource;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * After-commit hooks are recorded in the target inside the commit and run from there: an import that died between the
 * commit and its hooks leaves them pending, the redelivered commit runs them, nothing runs twice, and a hook another
 * instance holds is left to it.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class HookLedgerTest {
    @Inject
    RestageConfig config;

    private EnvironmentConfig target;
    private String probe;

    @BeforeEach
    void probeTable() throws Exception {
        target = config.environment("staging");
        probe = "hook_probe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection c = Connections.open(target, "test"); Statement st = c.createStatement()) {
            st.execute("create table public." + probe + " (hook text not null)");
        }
    }

    private HookConfig sqlHook(String name) {
        return new HookConfig(name, HookConfig.When.AFTER_COMMIT, "insert into public." + probe + " values ('" + name + "')",
                null, null, Map.of(), Duration.ofSeconds(10));
    }

    /** What the commit's transaction writes: one in-commit outcome and the after-commit hooks as pending; then "a crash". */
    private String committedWithPendingHooks(List<HookConfig> hooks) throws Exception {
        String refresh = UUID.randomUUID().toString();
        try (Connection c = Connections.open(target, "test")) {
            c.setAutoCommit(false);
            Generations.ensureTables(c);
            HookLedger.record(c, refresh, hooks, List.of(new HookResult("warm", "in-commit", true, "3 rows")));
            c.commit();
        }
        return refresh;
    }

    private int runs(String hook) throws Exception {
        try (Connection c = Connections.open(target, "test"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from public." + probe + " where hook = '" + hook + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void pendingHooksRunOnceWhenTheCommitIsRedelivered() throws Exception {
        List<HookConfig> hooks = List.of(sqlHook("flush"), sqlHook("notify"));
        String refresh = committedWithPendingHooks(hooks);
        assertEquals(0, runs("flush"), "nothing ran before the redelivery");

        List<HookResult> first = HookLedger.runPending(target, refresh, hooks, Map.of("refreshId", refresh));
        assertEquals(List.of("warm", "flush", "notify"), first.stream().map(HookResult::name).toList());
        assertEquals(List.of("in-commit", "after-commit", "after-commit"), first.stream().map(HookResult::when).toList());
        assertTrue(first.stream().allMatch(HookResult::ok), first.toString());
        assertEquals("1 rows", first.get(1).detail());
        assertEquals(1, runs("flush"));
        assertEquals(1, runs("notify"));

        // a second delivery of the same commit: the same report, no second run
        List<HookResult> again = HookLedger.runPending(target, refresh, hooks, Map.of("refreshId", refresh));
        assertEquals(first, again);
        assertEquals(1, runs("flush"));
        assertEquals(1, runs("notify"));
    }

    @Test
    void aHookNoLongerConfiguredIsReportedNotRun() throws Exception {
        String refresh = committedWithPendingHooks(List.of(sqlHook("gone"), sqlHook("kept")));
        List<HookResult> out = HookLedger.runPending(target, refresh, List.of(sqlHook("kept")), Map.of());
        HookResult gone = out.stream().filter(r -> r.name().equals("gone")).findFirst().orElseThrow();
        assertFalse(gone.ok());
        assertTrue(gone.detail().contains("no longer configured"), gone.detail());
        assertEquals(0, runs("gone"));
        assertEquals(1, runs("kept"));
    }

    @Test
    void aHookAnotherInstanceIsRunningIsLeftToIt() throws Exception {
        List<HookConfig> hooks = List.of(sqlHook("busy"));
        String refresh = committedWithPendingHooks(hooks);
        try (Connection other = Connections.open(target, "test")) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("select 1 from " + HookLedger.TABLE + " where refresh_id = '" + refresh + "' for update");
            }
            List<HookResult> meanwhile = HookLedger.runPending(target, refresh, hooks, Map.of());
            assertEquals(List.of("warm"), meanwhile.stream().map(HookResult::name).toList(), "the busy hook has no outcome yet");
            assertEquals(0, runs("busy"));
            other.rollback(); // the other instance died before running it
        }
        assertEquals(List.of("warm", "busy"), HookLedger.runPending(target, refresh, hooks, Map.of()).stream()
                .map(HookResult::name).toList());
        assertEquals(1, runs("busy"));
    }
}
