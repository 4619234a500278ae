package io.restage.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RestageConfigLoaderTest {
    private static final String YAML = """
            environments:
              production:
                hostname: db.prod
                database: { url: "jdbc:postgresql://prod/app", user: reader, password: "${env:PROD_PW}" }
              staging:
                hostname: staging.internal
                allow-import: true
                database: { url: "jdbc:postgresql://staging/app", user: writer, password: "${env:STAGING_PW:-fallback}" }
            policy:
              secret: 0123456789abcdef-secret
              audit-table: import_export_audit
              exclude-tables: [sessions]
              tables:
                users: { email: email, phone: null, note: { transformer: constant, value: "x" } }
              integrations:
                partner_integrations: { api_key: null, enabled: false }
              admin: { table: users, match-column: email, match-value: a@b.c, email: admin@staging.invalid, password: pw }
            """;

    @Test
    void shouldReadEnvironmentsPolicyAndResolveSecretsFromEnvironment() {
        RestageConfig c = RestageConfigLoader.parse(YAML, "restage.yaml", Map.of("PROD_PW", "s3cret")::get);
        assertFalse(c.environment("production").allowImport(), "allow-import defaults to false");
        assertTrue(c.environment("staging").allowImport());
        assertEquals("s3cret", c.environment("production").database().password().reveal());
        assertEquals("fallback", c.environment("staging").database().password().reveal());
        assertEquals("****", c.environment("production").database().password().toString(), "secrets never print");
        assertTrue(c.policy().isExcluded("public.sessions"));
        assertTrue(c.policy().isExcluded("public.import_export_audit"));
        assertEquals(3, c.policy().rulesFor("public.users").size());
        assertEquals("null", c.policy().rulesFor("public.users").get(1).transformer());
        assertEquals("constant", c.policy().rulesFor("public.partner_integrations").get(1).transformer());
        assertEquals("false", c.policy().rulesFor("public.partner_integrations").get(1).param("value", null));
        assertEquals(12, c.policy().bcryptCost());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "PROD_PW|refers to environment variable PROD_PW, which is not set",
            "admin@gmail.com|must be on a reserved domain",
    })
    void shouldExplainWhatIsWrong(String trigger, String expected) {
        boolean email = trigger.contains("@");
        String yaml = email ? YAML.replace("admin@staging.invalid", trigger) : YAML;
        Map<String, String> env = email ? Map.of("PROD_PW", "x") : Map.of();
        ConfigException e = assertThrows(ConfigException.class, () -> RestageConfigLoader.parse(yaml, "restage.yaml", env::get));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("restage.yaml: "), e.getMessage());
    }

    @Test
    void shouldRefuseTwoRulesForOneColumn() {
        String yaml = YAML.replace("partner_integrations: { api_key: null, enabled: false }", "users: { email: null }");
        ConfigException e = assertThrows(ConfigException.class,
                () -> RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x")::get));
        assertTrue(e.getMessage().contains("public.users.email has two rules"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"x@staging.invalid,true", "x@foo.test,true", "x@example,true", "x@localhost,true", "x@example.com,false",
            "x@invalid.com,false", "nobody,false"})
    void reservedDomainsAreTheOnlyOnesThatCannotDeliver(String email, boolean reserved) {
        assertEquals(reserved, RestageConfigLoader.isReservedDomain(email));
    }
}
