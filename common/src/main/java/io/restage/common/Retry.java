package io.restage.common;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounded retries of retriable failures (I/O, lost connections, serialization conflicts, see
 * {@link Failures#isRetriable}) with exponential backoff. Anything else is thrown at once: a business failure
 * must become a failure event, not a loop.
 */
public final class Retry {

    public static <T> T retriable(Callable<T> work, int attempts, Duration firstBackoff) throws Exception {
        long backoff = firstBackoff.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                return work.call();
            } catch (Exception e) {
                if (attempt >= attempts || !Failures.isRetriable(e)) {
                    throw e;
                }
                LockSupport.parkNanos(backoff);
                backoff = Math.min(backoff * 2, Duration.ofSeconds(30).toNanos());
            }
        }
    }

    private Retry() {
    }
}
