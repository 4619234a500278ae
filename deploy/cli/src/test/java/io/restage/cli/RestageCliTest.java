package io.restage.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the CLI decides on its own, before or without any server: usage, options, offline config validation. */
class RestageCliTest {
    record Run(int code, String out, String err) {
    }

    static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RestageCli.run(args, new PrintWriter(out), new PrintWriter(err), env, false);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no command                 |                                                        | name a command",
            "unknown command            | frobnicate                                             | Unmatched argument",
            "refresh without --confirm  | refresh production staging                             | Missing required option: '--confirm",
            "skip without the risk flag | refresh production staging --confirm h --skip email    | add --i-understand-the-pii-risk",
            "no token                   | list                                                   | no token: set RESTAGE_TOKEN",
            "plain http elsewhere       | list --url http://restage.corp.example                 | plain HTTP to another machine",
            "not a URL                  | list --url ftp://x                                     | must be an http(s) URL",
            "bad refresh id             | status ../../etc --url https://x                       | is not a refresh id",
            "bad timeout                | status r1 --follow --timeout soon --url https://x      | is not a duration",
            "cancel without a terminal  | cancel r1 --url https://x                              | run it in a terminal, or pass --yes",
            "token without a key        | token --subject a@b.example --role operator --key /nope | no signing key at /nope",
            "token for a non-email      | token --subject admin --role operator                  | must be the staff member's email"})
    void shouldRefuseABadCommandLineWithExitTwoAndSayWhy(String name, String args, String message) {
        Map<String, String> env = name.equals("no token") || name.startsWith("token") ? Map.of() : Map.of("RESTAGE_TOKEN", "t0k3n-secret");
        Run r = run(env, args == null ? new String[0] : args.trim().split("\\s+"));
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertFalse(r.err().contains("t0k3n-secret") || r.out().contains("t0k3n-secret"), "the token is never printed");
    }

    @Test
    void shouldSayWhenTheOrchestratorCannotBeReached() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Run r = run(Map.of("RESTAGE_TOKEN", "t0k3n-secret", "RESTAGE_URL", "http://127.0.0.1:" + port), "list");
        assertEquals(ExitCodes.ERROR, r.code());
        assertTrue(r.err().contains("cannot reach the orchestrator at http://127.0.0.1:" + port), r.err());
    }

    @Test
    void shouldSayWhenKafkaCannotBeReached() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = run(Map.of(), "topics", "create", "--bootstrap-server", "127.0.0.1:" + port);
        assertEquals(ExitCodes.ERROR, r.code(), r.out());
        assertTrue(r.err().contains("cannot reach Kafka at 127.0.0.1:" + port), r.err());
        assertEquals(ExitCodes.USAGE, run(Map.of(), "topics", "create", "--partitions", "0").code());
        assertEquals(ExitCodes.USAGE, run(Map.of(), "topics", "create", "--batch-retention", "5s").code());
    }

    @Test
    void shouldReadTheTokenFromAFileNeverFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("token");
        Files.writeString(f, "from-file\n");
        Run r = run(Map.of(), "list", "--token-file", f.toString(), "--url", "http://127.0.0.1:9");
        assertEquals(ExitCodes.ERROR, r.code(), "got past the token check: " + r.err());
        assertEquals(ExitCodes.USAGE, run(Map.of(), "list", "--token", "x").code(), "there is no --token option");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500ms, 500", "90s, 90000", "30m, 1800000", "4h, 14400000"})
    void shouldParseDurations(String text, long ms) {
        assertEquals(Duration.ofMillis(ms), RestageCli.duration(text, "--timeout"));
    }

    private static final String CONFIG = """
            environments:
              production:
                hostname: db.prod.internal
                allow-import: false
                database: {url: "jdbc:postgresql://db:5432/app", user: reader, password: "${env:PROD_DB_PASSWORD}"}
              staging:
                hostname: staging.internal
                allow-import: true
                database: {url: "jdbc:postgresql://stg:5432/app", user: writer, password: "${env:STAGING_DB_PASSWORD}"}
            security:
              message-key: "${env:RESTAGE_MESSAGE_KEY}"
            policy:
              secret: "${env:RESTAGE_POLICY_SECRET}"
              tables:
                users:
                  email: email
            """;

    @Test
    void shouldValidateAConfigurationOfflineNamingWhatIsWrong(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("restage.yaml");
        Files.writeString(good, CONFIG);
        Run missing = run(Map.of(), "config", "validate", good.toString());
        assertEquals(ExitCodes.REFUSED, missing.code(), missing.out());
        assertTrue(missing.err().contains("PROD_DB_PASSWORD") && missing.err().contains("not set"), missing.err());

        Run ignoring = run(Map.of(), "config", "validate", good.toString(), "--ignore-missing-env");
        assertEquals(ExitCodes.OK, ignoring.code(), ignoring.err());
        assertTrue(ignoring.out().contains("environment production") && ignoring.out().contains("source only"), ignoring.out());
        assertTrue(ignoring.out().contains("environment staging") && ignoring.out().contains("target (allows imports)"), ignoring.out());
        assertTrue(ignoring.out().contains("PROD_DB_PASSWORD, RESTAGE_MESSAGE_KEY"), ignoring.out());

        Map<String, String> env = Map.of("PROD_DB_PASSWORD", "pw-one", "STAGING_DB_PASSWORD", "pw-two",
                "RESTAGE_MESSAGE_KEY", "k".repeat(40), "RESTAGE_POLICY_SECRET", "s".repeat(40));
        Run ok = run(env, "config", "validate", good.toString());
        assertEquals(ExitCodes.OK, ok.code(), ok.err());
        assertFalse(ok.out().contains("pw-one") || ok.out().contains("kkkk"), "no secret is printed: " + ok.out());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, CONFIG.replace("allow-import: false", "allow-import: maybe"));
        Run refused = run(env, "config", "validate", bad.toString());
        assertEquals(ExitCodes.REFUSED, refused.code());
        assertTrue(refused.err().contains("allow-import"), refused.err());

        Run none = run(env, "config", "validate", dir.resolve("nope.yaml").toString());
        assertEquals(ExitCodes.REFUSED, none.code());
        assertTrue(none.err().contains("no file at"), none.err());
    }
}
