package io.restage.anonymizer.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.config.RuleConfig;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mindrot.jbcrypt.BCrypt;

/** One table of cases for every transformer: what it makes of an input, whether it is deterministic and keyed. */
class TransformersTest {
    private static final String STAGING_HASH = BCrypt.hashpw("staging-pw", BCrypt.gensalt(4));
    private static final TransformContext CTX = new TransformContext("secret-one-0123456789", () -> STAGING_HASH);
    private static final TransformContext OTHER = new TransformContext("secret-two-0123456789", () -> STAGING_HASH);

    record Case(String transformer, Map<String, String> params, String input, Predicate<String> expected,
                boolean deterministic, boolean keyed, String acceptedType, String refusedType) {
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("email", Map.of(), "Jane.Doe@corp.com", v -> v.matches("u[0-9a-f]{16}@staging\\.invalid"), true, true, "character varying(255)", "integer"),
                new Case("email", Map.of("domain", "qa.test"), "ümlaut@corp.de", v -> v.endsWith("@qa.test"), true, true, "text", "bytea"),
                new Case("person-name", Map.of(), "Gwendolyn Ashcombe", v -> v.matches("[A-Z][a-z]+ [A-Z][a-z]+"), true, true, "text", "integer"),
                new Case("first-name", Map.of(), "Gwendolyn", v -> v.matches("[A-Z][a-z]+"), true, true, "text", "date"),
                new Case("last-name", Map.of(), "Ashcombe", v -> v.matches("[A-Z][a-z]+"), true, true, "text", "date"),
                new Case("phone", Map.of(), "+49 30 1234567", v -> v.matches("\\+1-555-01\\d\\d-\\d{4}"), true, true, "text", "integer"),
                new Case("scrub", Map.of(), "private\tletter\n🙂", "[scrubbed for staging]"::equals, true, false, "text", "integer"),
                new Case("scrub", Map.of("text", "[gone]"), "anything", "[gone]"::equals, true, false, "character varying", "jsonb"),
                new Case("constant", Map.of("value", "false"), "true", "false"::equals, true, false, "boolean", null),
                new Case("null", Map.of(), "sk_live_123", v -> v == null, true, false, "text", null),
                new Case("keep", Map.of(), "public value", "public value"::equals, true, false, "integer", null),
                new Case("password", Map.of(), "$2a$10$prodhash", v -> BCrypt.checkpw("staging-pw", v), true, false, "text", "integer"))
                .map(c -> Arguments.of(c.transformer() + c.params(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void transformerBehavesAsDeclared(String name, Case c) {
        Transformer t = Transformers.create(new RuleConfig("public.t", "c", c.transformer(), c.params(), "tables"));
        String out = t.apply(c.input(), CTX);
        assertTrue(c.expected().test(out), name + " produced " + out);
        if (out != null && !c.transformer().equals("keep")) {
            assertFalse(out.contains(c.input()), "output must not contain the input");
        }
        if (c.deterministic()) {
            assertEquals(out, t.apply(c.input(), CTX), "same input, same output");
        }
        if (c.keyed()) {
            assertNotEquals(out, t.apply(c.input(), OTHER), "another secret gives another output");
            assertNotEquals(out, t.apply(c.input() + "x", CTX), "another input gives another output");
        }
        if (!c.transformer().equals("constant") && !c.transformer().equals("keep")) {
            assertNull(t.apply(null, CTX), "NULL stays NULL");
        }
        assertTrue(t.accepts(c.acceptedType()), name + " accepts " + c.acceptedType());
        if (c.refusedType() != null) {
            assertFalse(t.accepts(c.refusedType()), name + " refuses " + c.refusedType());
        }
    }

    @Test
    void emailShouldStayUniqueOverAMillionDistinctInputs() {
        Transformer t = new EmailTransformer(null);
        Set<String> seen = new HashSet<>(2_000_000);
        for (int i = 0; i < 1_000_000; i++) {
            assertTrue(seen.add(t.apply("user" + i + "@corp.com", CTX)), "collision at " + i);
        }
    }

    @Test
    void emailShouldRefuseDomainsThatDeliver() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transformers.create(new RuleConfig("public.users", "email", "email", Map.of("domain", "gmail.com"), "tables")));
        assertTrue(e.getMessage().contains("public.users.email"), e.getMessage());
    }

    @Test
    void unknownTransformerShouldNameTheRuleAndTheCatalogue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transformers.create(new RuleConfig("public.users", "ssn", "shuffle", Map.of(), "tables")));
        assertTrue(e.getMessage().contains("public.users.ssn") && e.getMessage().contains("email"), e.getMessage());
    }

    @Test
    void constantWithoutValueIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> Transformers.create(new RuleConfig("public.t", "c", "constant", Map.of(), "tables")));
    }
}
