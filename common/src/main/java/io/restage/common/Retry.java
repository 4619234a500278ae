package io.restage.common;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The one retry policy: bounded attempts of work that failed with a {@link Failures.Kind#TRANSIENT transient}
 * failure, with exponential back-off and jitter (each wait drawn between half and all of its cap, so instances that
 * failed together do not retry together).
 * A permanent failure is thrown at once: it must become a failure event, not a loop.
 *
 * @param attempts   tries in all (at least 1)
 * @param firstDelay the longest wait before the second try; each later wait may be twice as long
 * @param maxDelay   cap of one wait
 */
public record Retry(int attempts, Duration firstDelay, Duration maxDelay) {

    /** Database work of a participant: 6 tries over at most about 30 s. */
    public static final Retry DATABASE = new Retry(6, Duration.ofMillis(500), Duration.ofSeconds(10));

    /** What a retried attempt reports before the next one (for the log). */
    public interface Listener {
        void retrying(int failedAttempt, Duration wait, Exception cause);
    }

    public Retry {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, was " + attempts);
        }
    }

    public <T> T run(Callable<T> work) throws Exception {
        return run(work, (a, w, e) -> { });
    }

    public <T> T run(Callable<T> work, Listener listener) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.call();
            } catch (Exception e) {
                if (attempt >= attempts || Failures.classify(e) == Failures.Kind.PERMANENT) {
                    throw e;
                }
                Duration wait = delay(attempt);
                listener.retrying(attempt, wait, e);
                LockSupport.parkNanos(wait.toNanos());
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The wait after failed attempt {@code n} (1-based): uniform in [0, min(max, first * 2^(n-1))]. */
    public Duration delay(int n) {
        long cap = Math.min(maxDelay.toNanos(), firstDelay.toNanos() << Math.min(n - 1, 20));
        return Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    }
}
