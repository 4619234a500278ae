package io.restage.common.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.config.RuleConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The parts of the policy check that need no database: the name heuristics, IBANs, the catalogue's rules. */
class PolicyCheckerTest {

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "contact_email,    text,                     email",
            "EmailAddress,     character varying(200),   email",
            "full_name,        text,                     name",
            "username,         citext,                   name",
            "mobile,           text,                     mobile",
            "home_street,      text,                     street",
            "zip,              character(5),             zip",
            "date_of_birth,    date,                     birth",
            "birth_date,       timestamp without time zone, birth",
            "iban,             text,                     iban",
            "last_login_ip,    inet,                     ip",
            "api_key,          text,                     api_key",
            "reset_token,      text,                     token",
            "password_hash,    text,                     password",
            "address_id,       integer,                  ",
            "email_verified,   boolean,                  ",
            "password_changed_at, timestamp with time zone, ",
            "owner_user_id,    bigint,                   ",
            "description,      text,                     ",
            "zipped_size_ip,   bigint,                   zip",
            "shipping,         text,                     "})
    void shouldFlagColumnsWhoseNameLooksPersonal(String column, String type, String expected) {
        String got = PolicyChecker.looksPersonal(new PolicyChecker.Col("public.t", column, type, false, true, false));
        assertEquals(expected, got);
    }

    @Test
    void shouldRecogniseIbansByTheirCheckDigitsOnly() {
        assertTrue(PolicyChecker.isIban("DE89370400440532013000"));
        assertTrue(PolicyChecker.isIban("GB82 WEST 1234 5698 7654 32"));
        assertFalse(PolicyChecker.isIban("DE89370400440532013001"), "wrong check digits");
        assertFalse(PolicyChecker.isIban("SKU12ABCDEFGHIJK"), "shaped like one, but not an IBAN");
    }

    @Test
    void catalogueShouldKnowWhichRulesKeepUniqueIndexesUnique() {
        assertEquals(TransformerSpec.Uniqueness.PRESERVES, TransformerCatalog.uniqueness(rule("email", Map.of())));
        assertEquals(TransformerSpec.Uniqueness.BREAKS, TransformerCatalog.uniqueness(rule("email", Map.of("shape", "keep"))));
        assertEquals(TransformerSpec.Uniqueness.BREAKS, TransformerCatalog.uniqueness(rule("person-name", Map.of())));
        assertEquals(TransformerSpec.Uniqueness.NULLS, TransformerCatalog.uniqueness(rule("phone", Map.of("mode", "null"))));
        assertEquals(TransformerSpec.Uniqueness.PRESERVES, TransformerCatalog.uniqueness(rule("hash", Map.of())));
        assertTrue(TransformerCatalog.audited(rule("email", Map.of())));
        assertFalse(TransformerCatalog.audited(rule("first-name", Map.of())), "a first name alone identifies nobody");
        assertTrue(TransformerCatalog.audited(rule("first-name", Map.of("audit", "true"))), "unless the policy says so");
        assertFalse(TransformerCatalog.audited(rule("keep", Map.of())));
    }

    @Test
    void shouldRefuseUnknownParametersNamingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransformerCatalog.validate(rule("phone", Map.of("keep_prefix", "2"))));
        assertTrue(e.getMessage().contains("keep-prefix") && e.getMessage().contains("keep_prefix"), e.getMessage());
    }

    @Test
    void typeAcceptanceShouldNotConfuseArraysOrPrefixes() {
        TransformerSpec email = TransformerCatalog.spec("email");
        assertTrue(email.accepts("character varying(255)"));
        assertTrue(email.accepts("text"));
        assertFalse(email.accepts("text[]"));
        assertFalse(email.accepts("texture"));
        assertTrue(TransformerCatalog.spec("null").accepts("jsonb[]"));
    }

    @Test
    void jsonPathsShouldParseEverySupportedStep() {
        JsonPath p = JsonPath.parse("$.contacts[*].phones[0]..iban['x y'].*");
        assertEquals(7, p.segments().size(), p.toString());
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("contacts.email"));
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("$.a[x]"));
    }

    private static RuleConfig rule(String transformer, Map<String, String> params) {
        return new RuleConfig("public.t", "c", transformer, params, "tables");
    }
}
