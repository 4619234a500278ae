package io.restage.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusViewTest {
    private static final Instant NOW = Instant.parse("2026-11-22T08:00:10Z");

    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s.replace('\'', '"'));
    }

    static Stream<Arguments> views() {
        String base = "'id':'r1','source':'production','target':'staging','requestedBy':'ops@corp.example',"
                + "'createdAt':'2026-11-22T08:00:00Z',";
        return Stream.of(
                Arguments.of("running export with a heartbeat", "{" + base + "'status':'RUNNING','steps':{"
                                + "'VALIDATE':{'status':'DONE','startedAt':'2026-11-22T08:00:00Z','endedAt':'2026-11-22T08:00:01.500Z'},"
                                + "'EXPORT':{'status':'RUNNING','startedAt':'2026-11-22T08:00:02Z','progress':{'done':5,'total':20,'unit':'tables','detail':'public.orders'}},"
                                + "'MEDIA_PRUNE':{'status':'SKIPPED'}}}",
                        new String[]{"refresh r1  production -> staging  RUNNING  10.0 s", "VALIDATE     done           1.5 s",
                                "EXPORT       running        8.0 s  [#####...............] 5/20 tables (public.orders)"},
                        new String[]{"MEDIA_PRUNE"}),
                Arguments.of("succeeded with tables, skipped anonymizers, media and audit", "{" + base + "'status':'SUCCEEDED',"
                                + "'finishedAt':'2026-11-22T08:01:30Z','snapshotAt':'2026-11-22T08:00:01Z','media':true,"
                                + "'tables':{'public.users':{'exported':1500,'anonymized':1500,'staged':1500,'imported':1500},"
                                + "'public.log':{'exported':7,'anonymized':7}},"
                                + "'anonymizersRan':['public.users.email:email'],'anonymizersSkipped':['public.users.phone'],"
                                + "'missingTables':['public.legacy'],'mediaStats':{'copied':3,'unchanged':2,'bytes':3145728,'pruned':1},"
                                + "'leakAudit':{'fingerprints':10,'scannedColumns':2,'scannedValues':3000,'hits':[]}}",
                        new String[]{"SUCCEEDED  1m30s", "source snapshot 2026-11-22T08:00:01Z",
                                "public.users [####################]       1500       1500       1500       1500",
                                "public.log   [##########..........]          7          7          -          -",
                                "anonymizers SKIPPED (personal data copied as is): PUBLIC.USERS.PHONE",
                                "tables missing in the target: public.legacy",
                                "media: 3 copied, 2 unchanged, 0 overwritten, 3.0 MiB, 1 pruned",
                                "leak audit: 3000 values in 2 columns against 10 fingerprints, 0 hits"},
                        new String[]{"error:"}),
                Arguments.of("a subset", "{" + base + "'status':'SUCCEEDED','subset':'one-customer'}",
                        new String[]{"SUBSET one-customer: only its roots' world was copied"}, new String[]{"error:"}),
                Arguments.of("guided media with placeholders, then undone with its bucket", "{" + base + "'status':'UNDONE',"
                                + "'media':true,'mediaStats':{'copied':4,'unchanged':0,'bytes':10,'pruned':2,'placeholders':3,'missing':1},"
                                + "'undo':{'status':'DONE','requestedBy':'ops@corp.example','mediaStatus':'DONE','mediaRemoved':4,"
                                + "'mediaRestored':2}}",
                        new String[]{"media: 3 PLACEHOLDERS of personal files, 1 referenced keys not in the source",
                                "undo: done (asked by ops@corp.example)", "undo media: done, 4 removed, 2 restored"},
                        new String[]{"error:"}),
                Arguments.of("failed with compensation and an error", "{" + base + "'status':'FAILED','error':'STAGE: leak',"
                                + "'steps':{'STAGE':{'status':'FAILED','error':'public.users.email holds a production value',"
                                + "'compensation':'COMPENSATED'}}}",
                        new String[]{"error: STAGE: leak", "STAGE        failed", "compensation compensated",
                                "public.users.email holds a production value"},
                        new String[]{"tables"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("views")
    void shouldRenderWhatAnOperatorNeeds(String name, String refresh, String[] present, String[] absent) throws Exception {
        String view = StatusView.render(json(refresh), NOW);
        for (String p : present) {
            assertTrue(view.contains(p), "missing <" + p + "> in\n" + view);
        }
        for (String a : absent) {
            assertFalse(view.contains(a), "unexpected <" + a + "> in\n" + view);
        }
    }

    @Test
    void shouldDrawBarsDurationsAndSizes() {
        assertEquals("[....................]", StatusView.bar(0, 10));
        assertEquals("[##########..........]", StatusView.bar(1, 2));
        assertEquals("[####################]", StatusView.bar(15, 10));
        assertEquals("[....................]", StatusView.bar(5, 0));
        assertEquals("0.3 s", StatusView.duration(Duration.ofMillis(250)));
        assertEquals("2m05s", StatusView.duration(Duration.ofSeconds(125)));
        assertEquals("3h07m", StatusView.duration(Duration.ofMinutes(187)));
        assertEquals("999 B", StatusView.bytes(999));
        assertEquals("1.5 KiB", StatusView.bytes(1536));
        assertEquals("2.0 GiB", StatusView.bytes(2L << 30));
    }

    @Test
    void shouldListOneLinePerRefresh() throws Exception {
        String line = StatusView.line(json("{'id':'r1','source':'production','target':'staging','status':'FAILED',"
                + "'createdAt':'2026-11-22T08:00:00Z','finishedAt':'2026-11-22T08:00:04Z','requestedBy':'ops@corp.example'}"), NOW);
        assertTrue(line.matches("r1 +2026-11-22T08:00:00 +production -> staging +FAILED +4\\.0 s +ops@corp\\.example"), line);
    }
}
