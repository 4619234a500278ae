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
            "shipping,         text,                     ",
            // quasi-identifiers (issue 9): flagged, so the policy must decide (keep is a valid answer)
            "Company,          text,                     company",
            "BillingCity,      text,                     city",
            "State,            text,                     state",
            "BillingState,     character varying(40),    state",
            "sales_region,     text,                     region",
            "district,         text,                     district",
            "HireDate,         timestamp without time zone, hire",
            "gender,           text,                     gender",
            "job_title,        text,                     job_title",
            "mi,               character(1),             mi",
            "middle_initial,   text,                     middle",
            "account_num,      bigint,                   account_num",
            "customer_number,  text,                     customer_num",
            "title,            text,                     ",
            "statement_timeout_ms, integer,              ",
            "created_at,       timestamp with time zone, ",
            "capacity,         integer,                  "})
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
                () -> TransformerCatalog.validate(rule("phone", Map.of("keep-prefix", "2"))));
        assertTrue(e.getMessage().contains("country") && e.getMessage().contains("keep-prefix"), e.getMessage());
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

    @Test
    void shouldSuggestTheStoredNameWhenARuleMatchesOnlyIgnoringCase() {
        java.util.Map<String, java.util.List<PolicyChecker.Col>> tables = java.util.Map.of("public.Customer", java.util.List.of(
                new PolicyChecker.Col("public.Customer", "Email", "text", false, true, false)));
        assertTrue(PolicyChecker.didYouMean(tables, "public.customer", "email").contains("did you mean public.Customer.Email?"));
        assertTrue(PolicyChecker.didYouMean(tables, "public.CUSTOMER", "Phone").contains("public.Customer.Phone"));
        assertEquals("", PolicyChecker.didYouMean(tables, "public.invoice", "email"), "no suggestion without a near match");
    }

    @Test
    void shouldSeeNationalPhoneLayoutsAndAlmostNeverNonPersonalNumbers() {
        for (String phone : java.util.List.of("271-555-9715", "(271) 555-9715", "271.555.9715", "(02) 9876 5432", "030 1234567",
                "+49 30 1234567", "0049 30 1234567", "07911 123456")) {
            assertTrue(PolicyChecker.looksLikePhone(phone), phone);
        }
        // non-personal numeric text: SKUs, order and invoice numbers, dates, times, amounts, versions, ISBNs, postcodes
        java.util.Random r = new java.util.Random(11);
        int n = 0;
        int flagged = 0;
        for (int i = 0; i < 20_000; i++) {
            String v = switch (i % 10) {
                case 0 -> "SKU-" + (10000 + r.nextInt(90000)) + "-" + (char) ('A' + r.nextInt(26)) + "L";
                case 1 -> "ORD-" + (2015 + r.nextInt(10)) + "-" + String.format("%06d", r.nextInt(1_000_000));
                case 2 -> (2000 + r.nextInt(30)) + "-" + String.format("%02d-%02d", 1 + r.nextInt(12), 1 + r.nextInt(28));
                case 3 -> String.format("%02d.%02d.%d", 1 + r.nextInt(28), 1 + r.nextInt(12), 1990 + r.nextInt(40));
                case 4 -> String.format("%02d:%02d:%02d", r.nextInt(24), r.nextInt(60), r.nextInt(60));
                case 5 -> String.format("%d.%03d,%02d", 1 + r.nextInt(999), r.nextInt(1000), r.nextInt(100));
                case 6 -> (1 + r.nextInt(9)) + "." + r.nextInt(20) + "." + r.nextInt(100);
                case 7 -> "978-" + r.nextInt(10) + "-" + (10 + r.nextInt(90)) + "-" + (100000 + r.nextInt(900000)) + "-" + r.nextInt(10);
                case 8 -> String.valueOf(r.nextInt(Integer.MAX_VALUE));
                default -> (2020 + r.nextInt(5)) + "/" + String.format("%05d", r.nextInt(100000));
            };
            n++;
            flagged += PolicyChecker.looksLikePhone(v) ? 1 : 0;
        }
        double rate = flagged / (double) n;
        System.out.printf("phone content check: %d of %d non-personal numeric values look like phones (%.2f%%)%n", flagged, n,
                rate * 100);
        assertTrue(rate < 0.01, "false-positive rate " + rate);
    }
}
