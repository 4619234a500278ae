package io.restage.importer.commit;

import io.restage.common.Json;
import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.HookConfig;
import io.restage.common.messages.ImportReply.HookResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A target's post-refresh hooks ({@link HookConfig}). In-commit SQL runs inside the commit's transaction, as the
 * application would run it (normal session role, so its triggers fire); its failure fails the commit, which rolls
 * back. After-commit SQL and HTTP calls run once the commit is durable; a failure is reported, the data stays.
 * Outcomes name the hook and what happened (rows, HTTP status, SQLSTATE), never a value, header or URL.
 */
public final class Hooks {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** A failed in-commit hook: the commit must roll back. */
    public static final class InCommitHookFailed extends IllegalStateException {
        InCommitHookFailed(String message) {
            super(message);
        }
    }

    public static List<HookResult> inCommit(Connection c, List<HookConfig> hooks) throws SQLException {
        List<HookResult> out = new ArrayList<>();
        boolean origin = false;
        for (HookConfig h : hooks) {
            if (!h.isSql() || h.when() != HookConfig.When.IN_COMMIT) {
                continue;
            }
            try (Statement st = c.createStatement()) {
                if (!origin) {
                    st.execute("set local session_replication_role = origin");
                    origin = true;
                }
                st.setQueryTimeout((int) h.timeout().toSeconds());
                boolean rs = st.execute(h.sql());
                out.add(new HookResult(h.name(), "in-commit", true, rs ? "ran" : st.getUpdateCount() + " rows"));
            } catch (SQLException e) {
                throw new InCommitHookFailed("in-commit hook '" + h.name() + "' failed (SQLSTATE " + e.getSQLState()
                        + "): the commit was rolled back, the target keeps its previous data");
            }
        }
        return out;
    }

    /** Runs one after-commit hook (SQL in a transaction of its own, or the HTTP call); never throws. */
    public static HookResult afterCommit(EnvironmentConfig target, HookConfig h, Map<String, String> refresh) {
        return h.isSql() ? sql(target, h) : http(h, refresh);
    }

    private static HookResult sql(EnvironmentConfig target, HookConfig h) {
        try (Connection c = Connections.open(target, "restage-hook"); Statement st = c.createStatement()) {
            st.setQueryTimeout((int) h.timeout().toSeconds());
            boolean rs = st.execute(h.sql());
            return new HookResult(h.name(), "after-commit", true, rs ? "ran" : st.getUpdateCount() + " rows");
        } catch (SQLException e) {
            return new HookResult(h.name(), "after-commit", false, "SQLSTATE " + e.getSQLState());
        }
    }

    private static HookResult http(HookConfig h, Map<String, String> refresh) {
        try {
            String body = Json.MAPPER.writeValueAsString(refresh);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.url())).timeout(h.timeout())
                    .header("Content-Type", "application/json").header("User-Agent", "restage-hook");
            h.headers().forEach((k, v) -> b.header(k, v.reveal()));
            b.method(h.method(), h.method().equals("GET") ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<Void> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding());
            boolean ok = r.statusCode() >= 200 && r.statusCode() < 300;
            return new HookResult(h.name(), "after-commit", ok, "HTTP " + r.statusCode());
        } catch (java.net.http.HttpTimeoutException e) {
            return new HookResult(h.name(), "after-commit", false, "no answer within " + h.timeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HookResult(h.name(), "after-commit", false, "interrupted");
        } catch (Exception e) {
            return new HookResult(h.name(), "after-commit", false, e.getClass().getSimpleName());
        }
    }

    private Hooks() {
    }
}
