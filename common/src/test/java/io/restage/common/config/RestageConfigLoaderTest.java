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
            security:
              message-key: 0123456789abcdef0123456789abcdef-key
              staff: { emails: [Ops@Corp.example], groups: [platform-team] }
              targets: { staging: [ops@corp.example] }
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
    void shouldReadTheSecuritySectionWithDefaults() {
        SecurityConfig sec = RestageConfigLoader.parse(YAML, "restage.yaml", Map.of("PROD_PW", "x")::get).security();
        assertEquals("****", sec.messageKey().toString());
        assertEquals(java.time.Duration.ofMinutes(15), sec.maxMessageAge());
        assertEquals(java.util.List.of("operator"), sec.operatorGroups());
        assertEquals(10, sec.startsPerMinute());
        assertTrue(sec.isStaff("ops@corp.EXAMPLE", java.util.List.of()), "emails compare without case");
        assertTrue(sec.isStaff(null, java.util.List.of("platform-team")));
        assertFalse(sec.isStaff("eve@corp.example", java.util.List.of("operator")));
        assertTrue(sec.mayActOn("staging", "OPS@corp.example", java.util.List.of()));
        assertFalse(sec.mayActOn("staging", "eve@corp.example", java.util.List.of()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // what is changed                                             | what the error says
            "message-key: 0123456789abcdef0123456789abcdef-key|message-key: short|at least 32 characters",
            "message-key: 0123456789abcdef0123456789abcdef-key|nothing: here|security.message-key is missing",
            "targets: { staging: [ops@corp.example] }|targets: { production: [ops@corp.example] }|does not allow imports",
            "jdbc:postgresql://staging/app|jdbc:postgresql://PROD:5432/app?ssl=true|environments.production and environments.staging name the same database",
            "jdbc:postgresql://staging/app|postgres://staging/app|must be a jdbc:postgresql://host:port/database URL",
    })
    void shouldRefuseAnUnsafeSecurityOrEnvironmentSetup(String from, String to, String expected) {
        String yaml = YAML.replace(from, to);
        ConfigException e = assertThrows(ConfigException.class,
                () -> RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x")::get));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("//staging/app") || e.getMessage().contains("//PROD"), "no URL in the message: " + e.getMessage());
    }

    private static final String SCHEDULE = """
            schedules:
              nightly:
                source: production
                target: staging
                cron: "0 30 2 * * ?"
                zone: Europe/Berlin
                confirm-target: staging.internal
            """;

    @Test
    void shouldReadASchedule() {
        RestageConfig c = RestageConfigLoader.parse(YAML + SCHEDULE, "restage.yaml", Map.of("PROD_PW", "x")::get);
        ScheduleConfig s = c.schedules().get("nightly");
        assertEquals("production", s.source());
        assertEquals("0 30 2 * * ?", s.cron());
        assertEquals(java.time.ZoneId.of("Europe/Berlin"), s.zone());
        assertEquals(null, s.media(), "media follows the buckets unless set");
        assertFalse(s.startPaused());
        assertEquals("schedule:nightly", s.identity());
        assertTrue(RestageConfigLoader.parse(YAML, "restage.yaml", Map.of("PROD_PW", "x")::get).schedules().isEmpty());
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
            // what is changed                        | to                                         | what the error says
            "target: staging                          | target: production                         | refreshes 'production' from itself",
            "source: production\\n    target: staging | source: staging\\n    target: production | does not allow imports",
            "target: staging                          | target: qa                                 | names 'qa', which is not under environments",
            "confirm-target: staging.internal         | confirm-target: staging                    | is not the hostname of 'staging'",
            "cron: \"0 30 2 * * ?\"                 | cron: \"30 2 * * *\"                     | must be a Quartz-style expression",
            "zone: Europe/Berlin                      | zone: Mars/Olympus                         | is not a time zone",
            "zone: Europe/Berlin                      | zone: UTC\\n    media: true                | has no bucket",
            "zone: Europe/Berlin                      | zone: UTC\\n    skip-anonymizers: [email]  | must be exactly I_UNDERSTAND_THE_PII_RISK",
            "zone: Europe/Berlin                      | zone: UTC\\n    skip-anonymizers: [nope]\\n    risk-acknowledgement: I_UNDERSTAND_THE_PII_RISK | names 'nope', which the policy of 'production' does not have",
            "zone: Europe/Berlin                      | zone: UTC\\n    when: nightly              | schedules.nightly.when is not a schedule setting",
            "  nightly:                               |   night ly:                                | is not a schedule name"})
    void shouldRefuseAScheduleAnOperatorCouldNotHaveStarted(String from, String to, String expected) {
        String yaml = YAML + SCHEDULE.replace(from.strip().replace("\\n", "\n"), to.strip().replace("\\n", "\n"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x")::get));
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
    }

    private static final String MEDIA = """
              media:
                prefix: media/
                keys: [attachments.storage_key, 'billing."Invoice".pdf_key']
                placeholders:
                  - { column: documents.scan_key, keep-dimensions: true }
                  - contracts.file_key
                max-delete-percent: 25
            """;

    private static String withMedia(String media) {
        return YAML.replace("security:\n", media + "security:\n");
    }

    @Test
    void shouldReadAMediaPolicy() {
        MediaPolicy m = RestageConfigLoader.parse(withMedia(MEDIA), "restage.yaml", Map.of("PROD_PW", "x")::get).policy().media();
        assertTrue(m.guided());
        assertEquals("media/", m.prefix());
        assertEquals(25, m.maxDeletePercent());
        assertEquals(java.util.List.of(new MediaPolicy.Column("public.attachments", "storage_key"),
                new MediaPolicy.Column("billing.Invoice", "pdf_key"), new MediaPolicy.Column("public.documents", "scan_key"),
                new MediaPolicy.Column("public.contracts", "file_key")), m.referenceColumns());
        assertTrue(m.placeholderOf(new MediaPolicy.Column("public.documents", "scan_key")).keepDimensions());
        assertFalse(m.placeholderOf(new MediaPolicy.Column("public.contracts", "file_key")).keepDimensions());
        assertEquals(null, m.placeholderOf(new MediaPolicy.Column("public.attachments", "storage_key")));
        assertTrue(m.manages("media/a.png") && !m.manages("other/a.png"));
        MediaPolicy mirror = RestageConfigLoader.parse(YAML, "restage.yaml", Map.of("PROD_PW", "x")::get).policy().media();
        assertFalse(mirror.guided(), "no media section: the bucket is mirrored");
        assertEquals(10, mirror.maxDeletePercent());
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
            "keys: [attachments.storage_key   | keys: [users.email             | names public.users.email, which the policy transforms (email)",
            "keys: [attachments.storage_key   | keys: [storage_key             | must name a column as table.column",
            "prefix: media/                   | prefix: /media                 | must be a non-empty key prefix",
            "prefix: media/                   | prefix: .restage/x             | not .restage/",
            "max-delete-percent: 25           | max-delete-percent: 120        | must be between 0 and 100",
            "max-delete-percent: 25           | max-delete: 25                 | policy.media.max-delete is not a media setting",
            "- contracts.file_key             | - { keep-dimensions: true }    | column is missing",
    })
    void shouldRefuseAMediaPolicyThatCouldCopyTheWrongObjects(String from, String to, String expected) {
        String yaml = withMedia(MEDIA.replace(from.strip(), to.strip()));
        ConfigException e = assertThrows(ConfigException.class,
                () -> RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x")::get));
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
    }

    private static final String HOOKS = """
                hooks:
                  - name: banner
                    sql: "update settings set banner = 'staging'"
                  - name: flush
                    url: https://staging.internal/admin/flush
                    headers: { Authorization: "Bearer ${env:FLUSH_TOKEN}" }
                    timeout: 5
            """;

    private static String withHooks(String hooks) {
        return YAML.replace("    allow-import: true\n", "    allow-import: true\n" + hooks);
    }

    @Test
    void shouldReadATargetsHooks() {
        EnvironmentConfig staging = RestageConfigLoader.parse(withHooks(HOOKS), "restage.yaml",
                Map.of("PROD_PW", "x", "FLUSH_TOKEN", "t0k")::get).environment("staging");
        assertEquals(2, staging.hooks().size());
        HookConfig banner = staging.hooks().get(0);
        assertEquals(HookConfig.When.IN_COMMIT, banner.when(), "SQL runs inside the commit unless told otherwise");
        HookConfig flush = staging.hooks().get(1);
        assertEquals(HookConfig.When.AFTER_COMMIT, flush.when());
        assertEquals("POST", flush.method());
        assertEquals("Bearer t0k", flush.headers().get("Authorization").reveal());
        assertEquals("****", flush.headers().get("Authorization").toString(), "a header never prints");
        assertEquals(java.time.Duration.ofSeconds(5), flush.timeout());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "url: https://staging.internal/admin/flush | url: https://staging.internal/a\\n        when: in-commit | an HTTP hook runs after the commit",
            "name: flush                               | name: banner                                                           | is used twice",
            "url: https://staging.internal/admin/flush | url: ftp://staging.internal/x                                           | must be an http(s) URL",
            "timeout: 5                                | timeout: 0                                                             | between 1 and 600 seconds",
            "timeout: 5                                | retries: 5                                                             | is not a hook setting",
            "name: banner                              | name: banner\\n        url: https://x.internal                  | needs exactly one of sql"})
    void shouldRefuseABadHook(String from, String to, String expected) {
        String yaml = withHooks(HOOKS.replace(from.strip(), to.strip().replace("\\n", "\n")));
        ConfigException e = assertThrows(ConfigException.class,
                () -> RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x", "FLUSH_TOKEN", "t")::get));
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
        ConfigException onSource = assertThrows(ConfigException.class, () -> RestageConfigLoader.parse(
                YAML.replace("    hostname: db.prod\n", "    hostname: db.prod\n" + HOOKS), "restage.yaml",
                Map.of("PROD_PW", "x", "FLUSH_TOKEN", "t")::get));
        assertTrue(onSource.getMessage().contains("only a target (allow-import: true) runs hooks"), onSource.getMessage());
    }

    @Test
    void shouldRefuseAMaximumMessageAgeThatIsNotADuration() {
        String yaml = YAML.replace("  staff: {", "  max-message-age: 3 days\n  staff: {");
        ConfigException e = assertThrows(ConfigException.class,
                () -> RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x")::get));
        assertTrue(e.getMessage().contains("must be a duration like 90s, 15m or 1h"), e.getMessage());
    }

    @Test
    void shouldRefuseAConfigurationWithoutASecuritySection() {
        String yaml = YAML.substring(0, YAML.indexOf("security:"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x")::get));
        assertTrue(e.getMessage().contains("security is missing"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"jdbc:postgresql://db:5432/app,db:5432/app", "jdbc:postgresql://DB/app?ssl=true,db:5432/app",
            "jdbc:postgresql://127.0.0.1:6432/app,localhost:6432/app", "jdbc:postgresql://localhost/app,localhost:5432/app",
            "jdbc:postgresql:app,localhost:5432/app", "'jdbc:postgresql://a:1,b/app','a:1,b:5432/app'"})
    void shouldCompareDatabasesByHostPortAndName(String url, String identity) {
        assertEquals(identity, RestageConfigLoader.databaseIdentity(url));
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

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // as written in the policy            | table as stored
            "Customer                               | public.Customer",
            "public.Customer                        | public.Customer",
            "'\"Customer\"'                         | public.Customer",
            "'\"public\".\"Customer\"'              | public.Customer",
            "'sales.\"Order Items\"'                | sales.Order Items",
            "'\"odd\"\"name.x\"'                    | public.odd\"name.x",
            "users                                  | public.users",
    })
    void shouldNameTablesAsStoredWhetherWrittenPlainQuotedOrQualified(String written, String stored) {
        assertEquals(stored, RestageConfigLoader.qualify(written));
    }

    @Test
    void shouldReadQuotedColumnNamesAsStored() {
        String yaml = YAML.replace("users: { email: email, phone: null, note: { transformer: constant, value: \"x\" } }",
                "'\"Customer\"': { '\"Email\"': email, Phone: phone }");
        RestageConfig c = RestageConfigLoader.parse(yaml, "restage.yaml", Map.of("PROD_PW", "x")::get);
        assertEquals(java.util.List.of("Email", "Phone"), c.policy().rulesFor("public.Customer").stream().map(RuleConfig::column).toList());
    }
}
