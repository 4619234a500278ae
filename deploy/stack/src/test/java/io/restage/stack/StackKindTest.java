package io.restage.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StackKindTest {

    @ParameterizedTest(name = "{0} with docker={1} -> {2}")
    @CsvSource({
            "auto, true, CONTAINERS",
            "auto, false, EMBEDDED",
            "'', true, CONTAINERS",
            "AUTO, false, EMBEDDED",
            "embedded, true, EMBEDDED",
            "embedded, false, EMBEDDED",
            "containers, true, CONTAINERS",
            "Testcontainers, true, CONTAINERS",
    })
    void choosesTheServers(String requested, boolean docker, StackKind expected) {
        assertEquals(expected, StackKind.choose(requested, () -> docker));
    }

    @Test
    void embeddedNeverAsksDocker() {
        AtomicInteger asked = new AtomicInteger();
        StackKind.choose("embedded", () -> {
            asked.incrementAndGet();
            return true;
        });
        assertEquals(0, asked.get());
    }

    @Test
    void containersWithoutDockerSaysWhatToDo() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StackKind.choose("containers", () -> false));
        assertTrue(e.getMessage().contains("no Docker engine") && e.getMessage().contains("-Drestage.stack=embedded"), e.getMessage());
    }

    @Test
    void anUnknownValueNamesTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StackKind.choose("kind", () -> true));
        assertTrue(e.getMessage().contains("'kind'") && e.getMessage().contains("auto") && e.getMessage().contains("embedded")
                && e.getMessage().contains("containers"), e.getMessage());
    }

    /** The whole path through the child JVM: asked for containers on a machine without Docker, it stops and says why. */
    @Test
    void theStackProcessRefusesContainersWithoutDocker() throws Exception {
        Assumptions.assumeFalse(DockerProbe.available(), "a Docker engine answers here: containers would start");
        String before = System.getProperty("restage.stack");
        System.setProperty("restage.stack", "containers");
        Path dir = Files.createTempDirectory("restage-stack-kind-");
        try {
            IOException e = assertThrows(IOException.class,
                    () -> StackProcess.start(dir, List.of("x"), List.of(), Duration.ofMinutes(1)).close());
            assertTrue(e.getMessage().contains("no Docker engine answers"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("stack.properties")));
        } finally {
            if (before == null) {
                System.clearProperty("restage.stack");
            } else {
                System.setProperty("restage.stack", before);
            }
        }
    }
}
