package io.restage.anonymizer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.anonymizer.transform.TransformContext;
import io.restage.common.batch.Column;
import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.config.Secret;
import io.restage.common.policy.LeakFingerprints;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchAnonymizerTest {
    private static final List<Column> COLS = List.of(new Column("id", "bigint"), new Column("email", "text"),
            new Column("full_name", "text"), new Column("password_hash", "text"), new Column("updated_at", "timestamp with time zone"));
    private static final PolicyConfig POLICY = new PolicyConfig(new Secret("0123456789abcdef0"), null, List.of(),
            Map.of("public.users", List.of(
                    new RuleConfig("public.users", "email", "email", Map.of(), "tables"),
                    new RuleConfig("public.users", "full_name", "person-name", Map.of(), "tables"),
                    new RuleConfig("public.users", "password_hash", "password", Map.of(), "tables"))),
            new AdminRewrite("public.users", "email", new Secret("boss@corp.com"), "email", "admin@staging.invalid",
                    "password_hash", new Secret("admin-pw")), new Secret("staging-pw"), 4);
    private static final TransformContext CTX = new TransformContext("0123456789abcdef0",
            (random, cost) -> random ? "$2a$04$randomhash" : "$2a$04$staginghash", 4);
    private static final byte[] KEY = LeakFingerprints.key("0123456789abcdef0", "refresh-1");

    private static byte[] rows(String... rows) {
        return (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRewriteRuledColumnsAndCopyTheRestByteForByte() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of());
        byte[] in = rows("7\tjane@corp.com\tJane Doe\t$2a$10$x\t2023-03-01 10:00:00+00",
                "8\t\\N\tTab\\tName\t\\N\t2023-03-02 10:00:00+00");
        String out = new String(BatchAnonymizer.anonymize(plan, in, CTX, "$2a$04$adminhash", KEY).payload(), StandardCharsets.UTF_8);
        String[] lines = out.split("\n");
        assertEquals(2, lines.length);
        String[] f = lines[0].split("\t", -1);
        assertEquals("7", f[0]);
        assertTrue(f[1].endsWith("@staging.invalid"));
        assertFalse(out.contains("jane@corp.com") || out.contains("Jane Doe"));
        assertEquals("$2a$04$staginghash", f[3]);
        assertEquals("2023-03-01 10:00:00+00", f[4], "untouched columns are copied as they were");
        String[] g = lines[1].split("\t", -1);
        assertEquals("\\N", g[1], "NULL email stays NULL");
        assertEquals("\\N", g[3], "NULL password stays NULL");
    }

    @Test
    void shouldForwardATableWhoseRulesAllKeepAsItIsAndStillReportTheRules() {
        List<Column> cols = List.of(new Column("id", "bigint"), new Column("name", "text"), new Column("plan", "text"));
        PolicyConfig kept = new PolicyConfig(new Secret("0123456789abcdef0"), null, List.of(),
                Map.of("public.organizations", List.of(
                        new RuleConfig("public.organizations", "name", "keep", Map.of(), "tables"),
                        new RuleConfig("public.organizations", "plan", "keep", Map.of(), "tables")),
                        "public.teams", List.of(
                        new RuleConfig("public.teams", "name", "keep", Map.of(), "tables"),
                        new RuleConfig("public.teams", "plan", "email", Map.of(), "tables"))),
                null, new Secret("staging-pw"), 4);
        TablePlan all = TablePlan.compile(kept, "public.organizations", cols, List.of());
        assertTrue(all.isIdentity(), "only keep rules: nothing to rewrite, the batch is forwarded without decoding it");
        assertEquals(List.of("public.organizations.name:keep", "public.organizations.plan:keep"), all.ran(),
                "the report still lists the kept columns' decisions");
        byte[] in = rows("1\tAcme Co\tjane@corp.com", "2\t\\N\tfree");
        BatchAnonymizer.Result r = BatchAnonymizer.anonymize(all, in, CTX, null, KEY);
        assertTrue(Arrays.equals(in, r.payload()), "kept byte for byte");
        assertEquals(0, r.fingerprintCount(), "a kept value is never fingerprinted");

        TablePlan mixed = TablePlan.compile(kept, "public.teams", cols, List.of());
        assertFalse(mixed.isIdentity(), "a keep beside a rewriting rule still rewrites");
        String out = new String(BatchAnonymizer.anonymize(mixed, in, CTX, null, KEY).payload(), StandardCharsets.UTF_8);
        assertTrue(out.startsWith("1\tAcme Co\t") && !out.contains("jane@corp.com"), out);
        assertEquals(List.of("public.teams.name:keep", "public.teams.plan:email"), mixed.ran());
    }

    @Test
    void shouldRewriteTheAdminRowInPlaceKeepingItsId() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of());
        byte[] in = rows("1\tboss@corp.com\tThe Boss\t$2a$10$y\t2023-01-01 00:00:00+00");
        BatchAnonymizer.Result r = BatchAnonymizer.anonymize(plan, in, CTX, "$2a$04$adminhash", KEY);
        String[] f = new String(r.payload(), StandardCharsets.UTF_8).trim().split("\t", -1);
        assertEquals(1, r.adminMatches());
        assertEquals("1", f[0]);
        assertEquals("admin@staging.invalid", f[1]);
        assertEquals("$2a$04$adminhash", f[3]);
        assertFalse(f[2].contains("Boss"), "the admin's other personal columns are still anonymized");
    }

    @Test
    void skippedRulesShouldBeReportedAndLeaveTheColumnAsItWas() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of("public.users.full_name"));
        assertTrue(plan.skipped().contains("public.users.full_name:person-name"));
        assertFalse(plan.ran().stream().anyMatch(x -> x.startsWith("public.users.full_name")));
        String out = new String(BatchAnonymizer.anonymize(plan, rows("7\tj@c.com\tJane Doe\tx\t2023"), CTX, "h", KEY).payload(),
                StandardCharsets.UTF_8);
        assertTrue(out.contains("Jane Doe"));
    }

    @Test
    void shouldRefuseATransformerOnAColumnTypeItCannotWrite() {
        List<Column> cols = List.of(new Column("id", "bigint"), new Column("email", "integer"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TablePlan.compile(POLICY, "public.users", cols, List.of()));
        assertTrue(e.getMessage().contains("public.users.email") && e.getMessage().contains("integer"), e.getMessage());
    }

    @Test
    void tablesWithoutRulesPassThroughUnchanged() {
        TablePlan plan = TablePlan.compile(POLICY, "public.orgs", List.of(new Column("id", "bigint")), List.of());
        byte[] in = rows("1", "2");
        assertEquals(in, BatchAnonymizer.anonymize(plan, in, CTX, null, KEY).payload());
    }

    @Test
    void shouldFingerprintTheSourceValuesOfAuditedRulesOnly() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of());
        byte[] in = rows("1\tboss@corp.com\tThe Boss\t$2a$10$y\t2023",
                "2\tJane@Corp.com \tJane Doe\t\\N\t2023",
                "3\tjane@corp.com\tJane Doe\tabc\t2023");
        BatchAnonymizer.Result r = BatchAnonymizer.anonymize(plan, in, CTX, "$2a$04$adminhash", KEY);
        long[] fps = Arrays.copyOf(r.fingerprints(), r.fingerprintCount());
        for (String v : List.of("boss@corp.com", "jane@corp.com", "the boss", "jane doe", "$2a$10$y")) {
            assertTrue(Arrays.binarySearch(fps, LeakFingerprints.of(KEY, v)) >= 0, "fingerprint of " + v);
        }
        assertEquals(5, r.fingerprintCount(), "distinct, normalised (case, trailing space), short values ('abc') left out");
        assertFalse(Arrays.binarySearch(fps, LeakFingerprints.of(LeakFingerprints.key("0123456789abcdef0", "refresh-2"),
                "jane@corp.com")) >= 0, "another refresh has other fingerprints");
        TablePlan skipping = TablePlan.compile(POLICY, "public.users", COLS, List.of("email", "person-name", "password"));
        assertEquals(0, BatchAnonymizer.anonymize(skipping, in, CTX, "h", KEY).fingerprintCount(),
                "skipped rules are neither applied nor fingerprinted");
    }

    private static PolicyConfig policy(String table, RuleConfig... rules) {
        return new PolicyConfig(new Secret("0123456789abcdef0"), null, List.of(), Map.of(table, List.of(rules)), null,
                new Secret("staging-pw"), 4);
    }

    @Test
    void aFakeEqualToAnotherSourceValueOfTheBatchIsDrawnAgain() {
        // 10.0.0.0/29 holds 8 addresses; the batch uses 4: every fake must be one of the other 4
        PolicyConfig p = policy("public.logins", new RuleConfig("public.logins", "ip", "ip", Map.of("prefix", "29"), "tables"));
        List<Column> cols = List.of(new Column("id", "bigint"), new Column("ip", "inet"));
        TablePlan plan = TablePlan.compile(p, "public.logins", cols, List.of());
        List<String> sources = List.of("10.0.0.1", "10.0.0.2", "10.0.0.5", "10.0.0.6");
        long redraws = 0;
        for (int round = 0; round < 50; round++) {
            String[] lines = new String[sources.size()];
            for (int i = 0; i < lines.length; i++) {
                lines[i] = i + "\t" + sources.get(i);
            }
            TransformContext ctx = new TransformContext("secret-" + round + "-0123456789", (r, c) -> "x", 4);
            BatchAnonymizer.Result r = BatchAnonymizer.anonymize(plan, rows(lines), ctx, null, KEY);
            for (String line : new String(r.payload(), StandardCharsets.UTF_8).split("\n")) {
                String fake = line.split("\t")[1];
                assertTrue(fake.startsWith("10.0.0."), fake);
                assertFalse(sources.contains(fake), "round " + round + ": " + fake + " is a source address of the batch");
            }
            assertEquals(new String(r.payload(), StandardCharsets.UTF_8),
                    new String(BatchAnonymizer.anonymize(plan, rows(lines), ctx, null, KEY).payload(), StandardCharsets.UTF_8),
                    "re-draws are deterministic");
            redraws += r.redraws();
        }
        assertTrue(redraws > 20, "with half the range taken, many first draws collide: " + redraws);
    }

    @Test
    void aFakeEqualToItsOwnSourceValueIsDrawnAgain() {
        PolicyConfig p = policy("public.t", new RuleConfig("public.t", "zip", "postal-code", Map.of(), "tables"));
        TablePlan plan = TablePlan.compile(p, "public.t", List.of(new Column("zip", "text")), List.of());
        String[] lines = new String[10];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = Integer.toString(i);
        }
        long redraws = 0;
        for (int round = 0; round < 50; round++) {
            TransformContext ctx = new TransformContext("secret-" + round + "-0123456789", (r, c) -> "x", 4);
            BatchAnonymizer.Result r = BatchAnonymizer.anonymize(plan, rows(lines), ctx, null, KEY);
            String[] out = new String(r.payload(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < out.length; i++) {
                assertTrue(out[i].matches("\\d"), out[i]);
                assertFalse(out[i].equals(lines[i]), "a one-digit code is never drawn as itself");
            }
            redraws += r.redraws();
        }
        assertTrue(redraws > 10, "one in ten single digits is drawn as itself first: " + redraws);
    }

    @Test
    void aTransformerReadingAColumnTheTableLacksIsRefusedNamingIt() {
        PolicyConfig p = policy("public.v", new RuleConfig("public.v", "at", "date-shift", Map.of("key-column", "user_id"), "tables"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TablePlan.compile(p, "public.v",
                List.of(new Column("id", "bigint"), new Column("at", "date")), List.of()));
        assertTrue(e.getMessage().contains("user_id") && e.getMessage().contains("public.v.at"), e.getMessage());
        TablePlan ok = TablePlan.compile(p, "public.v", List.of(new Column("user_id", "bigint"), new Column("at", "date")), List.of());
        String out = new String(BatchAnonymizer.anonymize(ok, rows("7\t2024-01-01", "7\t2024-01-11", "8\t2024-01-01"), CTX, null, KEY)
                .payload(), StandardCharsets.UTF_8);
        String[] l = out.split("\n");
        java.time.LocalDate a = java.time.LocalDate.parse(l[0].split("\t")[1]);
        java.time.LocalDate b = java.time.LocalDate.parse(l[1].split("\t")[1]);
        assertEquals(10, java.time.temporal.ChronoUnit.DAYS.between(a, b), "user 7's rows keep their interval");
    }
}
