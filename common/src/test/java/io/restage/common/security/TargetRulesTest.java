package io.restage.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.config.RestageConfig;
import io.restage.common.config.RestageConfigLoader;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TargetRulesTest {
    private static final RestageConfig CONFIG = RestageConfigLoader.parse("""
            environments:
              production: { hostname: db.prod, database: { url: "jdbc:postgresql://prod/app" } }
              staging: { hostname: stg, allow-import: true, database: { url: "jdbc:postgresql://staging/app" } }
              qa: { hostname: qa, allow-import: true, database: { url: "jdbc:postgresql://qa/app" } }
            policy: { secret: 0123456789abcdef-secret }
            security: { message-key: 0123456789abcdef0123456789abcdef-key }
            """, "restage.yaml", Map.<String, String>of()::get);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "production | staging    | -",
            "production | qa         | -",
            "-          | staging    | -",
            "staging    | production | does not allow imports",
            "qa         | qa         | both 'qa'",
            "production | nowhere    | not an environment",
            "elsewhere  | staging    | source 'elsewhere' is not an environment",
    })
    void shouldOnlyEverWriteIntoEnvironmentsThatOptIn(String source, String target, String refusal) {
        String r = TargetRules.refusal(CONFIG, source, target);
        if (refusal == null) {
            assertEquals(null, r);
        } else {
            assertTrue(r != null && r.contains(refusal), r);
        }
    }
}
