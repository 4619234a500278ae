package io.restage.importer.staging;

import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.messages.ImportReply;
import io.restage.importer.staging.StagingArea.StagedTable;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Proves a refresh's staging complete and clean, in order: every announced table proven by its end marker, the admin
 * rule matching exactly one row, every type difference converting, the schema differences tolerable, and the leak
 * audit finding no production value of a ruled column. The first thing that fails refuses the refresh (before the
 * pivot, naming what to fix); a table still waiting for batches leaves it pending.
 */
public final class StagingProof {
    private static final Logger LOG = Logger.getLogger(StagingProof.class);

    public sealed interface Outcome {
    }

    /** Something has not arrived yet. */
    public record Pending() implements Outcome {
    }

    public record Refused(String reason) implements Outcome {
    }

    /** Everything proven: what StagingCompleted reports. */
    public record Complete(List<StagedTable> staged, SchemaDiff.Differences differences, List<String> convertedColumns,
                           ImportReply.LeakAudit leakAudit) implements Outcome {
    }

    public static Outcome prove(Connection c, LeakAuditor.Connector second, StagingArea area, List<String> exportedTables, PolicyConfig policy,
                                byte[] leakKey) throws SQLException {
        String lost = area.lostToARestart(c);
        if (lost != null) {
            return new Refused(lost);
        }
        for (String table : exportedTables) {
            TableProof proof = area.verify(c, table);
            if (proof instanceof TableProof.Pending) {
                return new Pending();
            }
            if (proof instanceof TableProof.Problem p) {
                return new Refused(p.reason());
            }
        }
        AdminRewrite admin = policy.admin();
        if (admin != null && exportedTables.contains(admin.table())) {
            long matches = area.adminMatches(c, admin.table());
            if (matches != 1) {
                return new Refused(matches == 0
                        ? "no row of " + admin.table() + " matched the admin rule (column " + admin.matchColumn()
                          + "): the admin row must exist in the source; fix policy.admin.match-value"
                        : matches + " rows of " + admin.table() + " matched the admin rule (column " + admin.matchColumn()
                          + "): it must match exactly one row");
            }
        }
        Map<String, List<TargetColumn>> target = TargetCatalog.read(c);
        List<StagedTable> staged = area.tables(c);
        List<String> converted = new ArrayList<>();
        for (StagedTable t : staged) {
            String problem = t.stageTable() == null ? null : area.proveConversions(c, t);
            if (problem != null) {
                return new Refused(problem);
            }
            t.conversions().forEach(conv -> converted.add(t.sourceTable() + "." + conv.column() + ": "
                    + conv.sourceType() + " -> " + conv.targetType()));
        }
        SchemaDiff.Result diff = SchemaDiff.compare(staged, target, Set.copyOf(exportedTables), policy::isExcluded);
        if (diff instanceof SchemaDiff.Refused r) {
            return new Refused(r.reason());
        }
        List<String> skip = staged.stream().flatMap(t -> t.skipAnonymizers().stream()).distinct().toList();
        long start = System.nanoTime();
        ImportReply.LeakAudit audit = LeakAuditor.run(c, second, area, staged, policy, skip, leakKey);
        LOG.infof("%s: leak audit: %d fingerprints, %d columns, %d values scanned, %d columns with matches in %d ms",
                area.schema(), audit.fingerprints(), audit.scannedColumns(), audit.scannedValues(), audit.hits().size(),
                (System.nanoTime() - start) / 1_000_000);
        if (!audit.hits().isEmpty()) {
            return new Refused("leak audit: production values of ruled columns were found in the staged data of "
                    + String.join(", ", audit.hits()) + " (" + audit.fingerprints() + " fingerprints, "
                    + audit.scannedValues() + " values scanned): rule these columns or remove the copies;"
                    + " the target was not touched");
        }
        return new Complete(staged, (SchemaDiff.Differences) diff, converted, audit);
    }

    private StagingProof() {
    }
}
