package io.restage.importer.commit;

import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.HookConfig;
import io.restage.common.messages.ImportReply.HookResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The target's record of a refresh's hooks ({@code restage.hook_run}), written inside the commit's transaction: the
 * in-commit hooks with their outcome, the after-commit hooks as pending. The target is the fact, as for the data: an
 * import service that dies between the commit and its after-commit hooks leaves them pending, and the redelivered commit
 * command (which finds the refresh committed) runs them then, on whichever instance takes it. Each pending hook is
 * claimed with a row lock (SKIP LOCKED) while it runs and marked done in the same transaction, so two instances never run
 * one together and a hook that finished is never run again; a crash after a hook ran and before its mark committed runs
 * it once more (at least once, as an outbox is). A hook that is no longer configured when its turn comes is reported,
 * not run.
 */
public final class HookLedger {
    static final String TABLE = "restage.hook_run";

    static void createTable(Statement st) throws SQLException {
        st.execute("create table if not exists " + TABLE + " (refresh_id text not null, position int not null,"
                + " name text not null, phase text not null, done_at timestamptz, ok boolean, detail text,"
                + " primary key (refresh_id, position))");
    }

    /** In the commit's transaction: the in-commit hooks' outcomes, and every after-commit hook as pending. */
    static void record(Connection c, String refreshId, List<HookConfig> hooks, List<HookResult> inCommit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into " + TABLE + " (refresh_id, position, name, phase,"
                + " done_at, ok, detail) values (?, ?, ?, ?, ?, ?, ?)")) {
            int position = 0;
            for (HookResult r : inCommit) {
                ps.setString(1, refreshId);
                ps.setInt(2, position++);
                ps.setString(3, r.name());
                ps.setString(4, r.when());
                ps.setObject(5, java.time.OffsetDateTime.now());
                ps.setBoolean(6, r.ok());
                ps.setString(7, r.detail());
                ps.addBatch();
            }
            for (HookConfig h : hooks) {
                if (h.when() != HookConfig.When.AFTER_COMMIT) {
                    continue;
                }
                ps.setString(1, refreshId);
                ps.setInt(2, position++);
                ps.setString(3, h.name());
                ps.setString(4, "after-commit");
                ps.setObject(5, null);
                ps.setObject(6, null);
                ps.setString(7, null);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Runs the refresh's pending after-commit hooks in order (each as configured now) and answers every hook's outcome,
     * those run earlier included. Never throws for a hook's failure; throws only if the target cannot be read.
     */
    public static List<HookResult> runPending(EnvironmentConfig target, String refreshId, List<HookConfig> hooks,
                                              Map<String, String> refresh) throws SQLException {
        try (Connection c = Connections.open(target, "restage-hook")) {
            if (!tableExists(c)) {
                return List.of();
            }
            List<Integer> pending = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select position from " + TABLE
                    + " where refresh_id = ? and done_at is null order by position")) {
                ps.setString(1, refreshId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        pending.add(rs.getInt(1));
                    }
                }
            }
            for (int position : pending) {
                runOne(c, target, refreshId, position, hooks, refresh);
            }
            return outcomes(c, refreshId);
        }
    }

    private static void runOne(Connection c, EnvironmentConfig target, String refreshId, int position, List<HookConfig> hooks,
                               Map<String, String> refresh) throws SQLException {
        c.setAutoCommit(false);
        try {
            String name;
            try (PreparedStatement ps = c.prepareStatement("select name from " + TABLE + " where refresh_id = ? and position = ?"
                    + " and done_at is null for update skip locked")) {
                ps.setString(1, refreshId);
                ps.setInt(2, position);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        c.rollback(); // done meanwhile, or another instance is running it
                        return;
                    }
                    name = rs.getString(1);
                }
            }
            Optional<HookConfig> hook = hooks.stream()
                    .filter(h -> h.when() == HookConfig.When.AFTER_COMMIT && h.name().equals(name)).findFirst();
            HookResult r = hook.map(h -> Hooks.afterCommit(target, h, refresh))
                    .orElseGet(() -> new HookResult(name, "after-commit", false, "no longer configured: not run"));
            try (PreparedStatement ps = c.prepareStatement("update " + TABLE + " set done_at = now(), ok = ?, detail = ?"
                    + " where refresh_id = ? and position = ?")) {
                ps.setBoolean(1, r.ok());
                ps.setString(2, r.detail());
                ps.setString(3, refreshId);
                ps.setInt(4, position);
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Every hook of the refresh that has an outcome, in order (a hook another instance is running is not listed yet). */
    static List<HookResult> outcomes(Connection c, String refreshId) throws SQLException {
        List<HookResult> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select name, phase, ok, detail from " + TABLE
                + " where refresh_id = ? and done_at is not null order by position")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new HookResult(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    private static boolean tableExists(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select to_regclass('" + TABLE + "') is not null")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private HookLedger() {
    }
}
