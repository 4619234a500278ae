package io.restage.stack;

import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Which servers the stack runs: the same Kafka (KRaft, SASL/PLAIN), PostgreSQL and S3 either as containers
 * (Testcontainers, where a Docker engine answers) or embedded in a child JVM (everywhere else, CI here). Chosen by
 * {@code -Drestage.stack=} or {@code RESTAGE_STACK}: {@code auto} (the default: containers when Docker answers),
 * {@code embedded}, or {@code containers}.
 */
public enum StackKind {
    EMBEDDED,
    CONTAINERS;

    /** The system property, else the environment variable, else {@code auto}. */
    public static String requested() {
        String p = System.getProperty("restage.stack");
        if (p != null && !p.isBlank()) {
            return p;
        }
        String e = System.getenv("RESTAGE_STACK");
        return e == null || e.isBlank() ? "auto" : e;
    }

    /**
     * The kind for a requested value; {@code docker} is asked only when the answer depends on it. A request for containers
     * without a Docker engine, or an unknown value, is an error that says what to do.
     */
    public static StackKind choose(String requested, BooleanSupplier docker) {
        String v = requested == null ? "auto" : requested.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "auto" -> docker.getAsBoolean() ? CONTAINERS : EMBEDDED;
            case "embedded" -> EMBEDDED;
            case "containers", "testcontainers" -> {
                if (!docker.getAsBoolean()) {
                    throw new IllegalStateException("restage.stack=" + v + " asks for Testcontainers, but no Docker engine"
                            + " answers (DOCKER_HOST, /var/run/docker.sock): start one, or use -Drestage.stack=embedded"
                            + " (or auto, which picks the embedded servers where Docker is missing)");
                }
                yield CONTAINERS;
            }
            default -> throw new IllegalArgumentException("restage.stack='" + requested + "' is not a stack: use auto (the"
                    + " default: containers where a Docker engine answers, else embedded), embedded or containers");
        };
    }
}
