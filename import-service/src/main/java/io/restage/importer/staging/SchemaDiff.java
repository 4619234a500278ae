package io.restage.importer.staging;

import io.restage.importer.staging.StagingArea.StagedTable;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * How the staged source tables and the target's schema differ, as the report shows it: tables only in the source
 * (skipped), only in the target (missing: emptied), columns only in the source (dropped) or only in the target
 * (defaulted). A column only in the target that is NOT NULL without a default refuses the refresh: the commit could not
 * insert a row. Pure: no database.
 */
public final class SchemaDiff {

    public sealed interface Result {
    }

    public record Differences(List<String> skippedTables, List<String> missingTables, List<String> droppedColumns,
                              List<String> defaultedColumns) implements Result {
    }

    public record Refused(String reason) implements Result {
    }

    public static Result compare(List<StagedTable> staged, Map<String, List<TargetColumn>> target, Set<String> exported,
                                 Predicate<String> excluded) {
        List<String> skipped = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<String> defaulted = new ArrayList<>();
        for (StagedTable t : staged) {
            List<TargetColumn> tcols = target.get(t.sourceTable());
            if (t.stageTable() == null || tcols == null) {
                skipped.add(t.sourceTable());
                continue;
            }
            for (String col : t.columns()) {
                if (tcols.stream().noneMatch(tc -> tc.name().equals(col) && !tc.generated())) {
                    dropped.add(t.sourceTable() + "." + col);
                }
            }
            for (TargetColumn tc : tcols) {
                if (!tc.generated() && !t.columns().contains(tc.name())) {
                    if (tc.notNull() && !tc.hasDefault()) {
                        return new Refused("column " + t.sourceTable() + "." + tc.name() + " exists only in the target, is NOT"
                                + " NULL and has no default: add a default in the target or the column in the source");
                    }
                    defaulted.add(t.sourceTable() + "." + tc.name());
                }
            }
        }
        List<String> missing = target.keySet().stream().filter(t -> !exported.contains(t) && !excluded.test(t)).sorted().toList();
        return new Differences(skipped, missing, dropped, defaulted);
    }

    private SchemaDiff() {
    }
}
