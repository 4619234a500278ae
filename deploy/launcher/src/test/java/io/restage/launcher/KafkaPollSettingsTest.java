package io.restage.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every service bounds how long its Kafka consumers' polls wait. The connector resumes a consumer it paused between
 * polls, so a command that arrives meanwhile waits for the poll to end: at the connector's default of 1 s, 10 of 27
 * refresh requests reached a participant 1.0 to 1.2 s late in the benchmark, a second of every such saga hop.
 */
class KafkaPollSettingsTest {
    private static final String KEY = "mp.messaging.connector.smallrye-kafka.poll-timeout";
    private static final Pattern DEFAULTED = Pattern.compile("\\$\\{([A-Z0-9_]+):(\\d+)}");

    @ParameterizedTest(name = "{0} polls for at most 100 ms")
    @ValueSource(strings = {"orchestrator", "export-service", "anonymizer-service", "import-service", "media-sync-service"})
    void everyServiceBoundsItsPolls(String service) throws Exception {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(ServiceProcesses.findRepoRoot().resolve(service)
                .resolve(Path.of("src", "main", "resources", "application.properties")))) {
            p.load(in);
        }
        String value = p.getProperty(KEY);
        assertTrue(value != null, service + " does not set " + KEY + " (the connector's default waits 1 s per poll)");
        Matcher m = DEFAULTED.matcher(value);
        long millis = m.matches() ? Long.parseLong(m.group(2)) : Long.parseLong(value.trim());
        assertTrue(millis > 0 && millis <= 100, service + ": " + KEY + " is " + value + ", more than 100 ms");
        if (m.matches()) {
            assertTrue(m.group(1).equals("KAFKA_POLL_TIMEOUT_MS"), service + " reads the poll timeout from " + m.group(1));
        }
    }
}
