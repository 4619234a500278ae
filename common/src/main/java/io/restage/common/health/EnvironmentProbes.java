package io.restage.common.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Whether each configured environment's database or bucket answers, for the {@code environments} health group: probed
 * in parallel, each within a timeout, remembered for a while so frequent health calls do not hammer production. A
 * down environment is reported with a reason that names no host, user or secret; it never takes a service out of
 * rotation (readiness does not include this group).
 */
public final class EnvironmentProbes implements AutoCloseable {
    /** One environment's answer. */
    public record Result(String environment, boolean up, String detail) {
    }

    /** Probes one environment: returns normally when it answers, throws with a safe message when it does not. */
    @FunctionalInterface
    public interface Probe<T> {
        void check(T target) throws Exception;
    }

    private record Cached(Result result, Instant at) {
    }

    private final Duration timeout;
    private final Duration remember;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "environment-probe");
        t.setDaemon(true);
        return t;
    });

    public EnvironmentProbes(Duration timeout, Duration remember, Clock clock) {
        this.timeout = timeout;
        this.remember = remember;
        this.clock = clock;
    }

    /** Probes every named target (cached ones younger than the remember time are not probed again). */
    public <T> List<Result> probe(String kind, Map<String, T> targets, Probe<T> probe) {
        Instant now = clock.instant();
        Map<String, CompletableFuture<Result>> running = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, T> e : targets.entrySet()) {
            String key = kind + "|" + e.getKey();
            Cached c = cache.get(key);
            if (c != null && c.at().plus(remember).isAfter(now)) {
                running.put(key, CompletableFuture.completedFuture(c.result()));
                continue;
            }
            running.put(key, CompletableFuture.supplyAsync(() -> {
                try {
                    probe.check(e.getValue());
                    return new Result(e.getKey(), true, "up");
                } catch (Exception ex) {
                    return new Result(e.getKey(), false, safe(ex));
                }
            }, pool));
        }
        List<Result> out = new ArrayList<>();
        running.forEach((key, f) -> {
            String name = key.substring(key.indexOf('|') + 1);
            Result r;
            try {
                r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                r = new Result(name, false, "no answer within " + timeout.toSeconds() + " s");
            } catch (Exception e) {
                r = new Result(name, false, "probe failed");
            }
            cache.put(key, new Cached(r, now));
            out.add(r);
        });
        return out;
    }

    /** The exception's own message only where restage wrote it to be shown (connection causes name no host). */
    static String safe(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.sql.SQLException && m != null && m.startsWith("cannot connect to the database of environment")) {
            return m.substring(m.indexOf(':') + 1).trim();
        }
        if (e instanceof IllegalStateException && m != null && m.startsWith("bucket ")) {
            return m;
        }
        return e.getClass().getSimpleName();
    }

    /** An environment's database answers a query (connecting within {@code timeoutSeconds}). */
    public static Probe<io.restage.common.config.EnvironmentConfig> database(int timeoutSeconds) {
        return env -> {
            try (java.sql.Connection c = io.restage.common.config.Connections.open(env, "restage-health", timeoutSeconds);
                 java.sql.Statement st = c.createStatement()) {
                st.setQueryTimeout(timeoutSeconds);
                st.execute("select 1");
            }
        };
    }

    /** The environments a service reads or writes: all of them, or only those that allow imports. */
    public static Map<String, io.restage.common.config.EnvironmentConfig> environments(
            io.restage.common.config.RestageConfig config, boolean targetsOnly) {
        Map<String, io.restage.common.config.EnvironmentConfig> out = new java.util.TreeMap<>();
        config.environments().forEach((n, e) -> {
            if (!targetsOnly || e.allowImport()) {
                out.put(n, e);
            }
        });
        return out;
    }

    public static boolean allUp(Collection<Result> results) {
        return results.stream().allMatch(Result::up);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
