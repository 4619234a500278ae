package io.restage.orchestrator.api;

import io.restage.common.Failures;
import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.config.SchemaVersions;
import java.util.List;
import io.restage.common.policy.PolicyChecker;
import io.restage.common.policy.PolicyReport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;

/**
 * Runs the policy check against a source for the dry run and before a refresh is accepted, and the schema checks
 * that compare source and target (version, target-only required columns). JDBC blocks, so it runs
 * on a worker thread and hands the result back on the caller's event loop (where the saga's persistence runs).
 */
@ApplicationScoped
public class PolicyCheckService {

    /** The source could not be read: says which and why, never a credential. */
    public static final class SourceUnavailableException extends RuntimeException {
        SourceUnavailableException(String message) {
            super(message);
        }
    }

    private final RestageConfig config;
    private final Vertx vertx;

    public PolicyCheckService(RestageConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    /**
     * The schema checks that need source and target: the configured schema version (refused when the source is
     * newer than the target) and NOT NULL columns without a default that only the target has. Null when both pass.
     */
    public Uni<ApiError> schemaCheck(String source, String target) {
        EnvironmentConfig src = config.environment(source);
        EnvironmentConfig tgt = config.environment(target);
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            try (Connection s = Connections.open(src, "restage-preflight"); Connection t = Connections.open(tgt, "restage-preflight")) {
                String write = io.restage.common.security.SourceAccess.writeAccess(s);
                if (write != null) {
                    return new ApiError(422, "source-writable", io.restage.common.security.SourceAccess.refusal(source, write));
                }
                if (config.schemaVersionQuery() != null) {
                    String sv = version(s, source);
                    String tv = version(t, target);
                    if (sv == null || tv == null) {
                        return new ApiError(422, "schema-version-unknown", "schema-version.query returned no row on '"
                                + (sv == null ? source : target) + "': the database has no recorded schema version;"
                                + " migrate it or fix the query");
                    }
                    if (SchemaVersions.compare(sv, tv) > 0) {
                        return new ApiError(409, "schema-too-new", "source schema version " + sv + " is newer than target's "
                                + tv + ": upgrade the target first");
                    }
                }
                List<String> required = requiredTargetOnly(s, t, config.policyFor(source));
                if (!required.isEmpty()) {
                    return new ApiError(422, "target-column-required", "columns " + required + " exist only in target '"
                            + target + "', are NOT NULL and have no default, so no row could be inserted: add a default"
                            + " in the target or the column in the source", required);
                }
                return null;
            } catch (Exception e) {
                throw new SourceUnavailableException("cannot compare the schemas of '" + source + "' and '" + target
                        + "': " + Failures.describe(e));
            }
        }));
    }

    /** The configured query runs in a READ ONLY transaction: a query that writes fails instead of changing anything. */
    private String version(Connection c, String env) throws java.sql.SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        c.setReadOnly(true);
        try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(config.schemaVersionQuery())) {
            return rs.next() ? rs.getString(1) : null;
        } finally {
            c.rollback();
            c.setReadOnly(false);
            c.setAutoCommit(auto);
        }
    }

    /** {@code table.column} of NOT NULL columns without default or identity that the target has and the source lacks. */
    private static List<String> requiredTargetOnly(Connection s, Connection t, io.restage.common.config.PolicyConfig policy)
            throws java.sql.SQLException {
        String sql = """
                select n.nspname || '.' || c.relname, a.attname, a.attnotnull and not a.atthasdef and a.attidentity = ''
                       and a.attgenerated = ''
                from pg_class c
                join pg_namespace n on n.oid = c.relnamespace
                join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                where %s
                """.formatted(io.restage.common.PgCatalog.APPLICATION_TABLES);
        java.util.Set<String> sourceColumns = new java.util.HashSet<>();
        java.util.Set<String> sourceTables = new java.util.HashSet<>();
        try (java.sql.Statement st = s.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                sourceTables.add(rs.getString(1));
                sourceColumns.add(rs.getString(1) + "." + rs.getString(2));
            }
        }
        List<String> out = new java.util.ArrayList<>();
        try (java.sql.Statement st = t.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String table = rs.getString(1);
                String col = table + "." + rs.getString(2);
                if (rs.getBoolean(3) && sourceTables.contains(table) && !sourceColumns.contains(col) && !policy.isExcluded(table)) {
                    out.add(col);
                }
            }
        }
        java.util.Collections.sort(out);
        return out;
    }

    public Uni<PolicyReport> check(String source) {
        EnvironmentConfig env = config.environment(source);
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            try (Connection c = Connections.open(env, "restage-policy-check")) {
                c.setAutoCommit(false);
                c.setReadOnly(true);
                try {
                    return PolicyChecker.check(c, source, config.policyFor(source));
                } finally {
                    c.rollback();
                }
            } catch (Exception e) {
                throw new SourceUnavailableException("cannot check the policy against source '" + source + "': "
                        + Failures.describe(e));
            }
        }));
    }
}
