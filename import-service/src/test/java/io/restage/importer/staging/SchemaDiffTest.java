package io.restage.importer.staging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.restage.importer.staging.StagingArea.StagedTable;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaDiffTest {

    private static StagedTable staged(String table, String... columns) {
        return new StagedTable(table, "t0", List.of(columns), 1, List.of(), List.of());
    }

    private static TargetColumn col(String name) {
        return new TargetColumn(name, "text", false, false, false, "text");
    }

    private static TargetColumn required(String name, boolean hasDefault) {
        return new TargetColumn(name, "text", false, true, hasDefault, "text");
    }

    private static TargetColumn generated(String name) {
        return new TargetColumn(name, "text", true, false, false, "text");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("same schema: nothing to report",
                        List.of(staged("public.users", "id", "email")),
                        Map.of("public.users", List.of(col("id"), col("email"))),
                        "skipped=[] missing=[] dropped=[] defaulted=[]"),
                Arguments.of("a table only in the source is skipped",
                        List.of(staged("public.users", "id"), new StagedTable("public.audit_v2", null, List.of("id"), 3, List.of(), List.of())),
                        Map.of("public.users", List.of(col("id"))),
                        "skipped=[public.audit_v2] missing=[] dropped=[] defaulted=[]"),
                Arguments.of("a table only in the target is missing (emptied), unless excluded",
                        List.of(staged("public.users", "id")),
                        Map.of("public.users", List.of(col("id")), "public.leftovers", List.of(col("id")),
                                "public.sessions", List.of(col("id"))),
                        "skipped=[] missing=[public.leftovers] dropped=[] defaulted=[]"),
                Arguments.of("a column only in the source is dropped, also when the target generates it",
                        List.of(staged("public.users", "id", "legacy", "full_name")),
                        Map.of("public.users", List.of(col("id"), generated("full_name"))),
                        "skipped=[] missing=[] dropped=[public.users.legacy, public.users.full_name] defaulted=[]"),
                Arguments.of("a column only in the target is defaulted when it may be; generated ones are the target's",
                        List.of(staged("public.users", "id")),
                        Map.of("public.users", List.of(col("id"), col("nickname"), required("tier", true), generated("search"))),
                        "skipped=[] missing=[] dropped=[] defaulted=[public.users.nickname, public.users.tier]"),
                Arguments.of("a NOT NULL column only in the target without a default refuses the refresh",
                        List.of(staged("public.users", "id")),
                        Map.of("public.users", List.of(col("id"), required("tenant_id", false))),
                        "refused: column public.users.tenant_id exists only in the target, is NOT NULL and has no default:"
                                + " add a default in the target or the column in the source"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldReportEveryDifferenceAndRefuseOnlyWhatTheCommitCannotInsert(String name, List<StagedTable> staged,
                                                                          Map<String, List<TargetColumn>> target, String expected) {
        Set<String> exported = Set.copyOf(staged.stream().map(StagedTable::sourceTable).toList());
        SchemaDiff.Result r = SchemaDiff.compare(staged, new java.util.TreeMap<>(target), exported, "public.sessions"::equals);
        String got = r instanceof SchemaDiff.Refused refused ? "refused: " + refused.reason()
                : describe(assertInstanceOf(SchemaDiff.Differences.class, r));
        assertEquals(expected, got, name);
    }

    private static String describe(SchemaDiff.Differences d) {
        return "skipped=" + d.skippedTables() + " missing=" + d.missingTables() + " dropped=" + d.droppedColumns()
                + " defaulted=" + d.defaultedColumns();
    }
}
