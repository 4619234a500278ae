package io.restage.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryTest {
    private static final Retry FAST = new Retry(4, Duration.ofMillis(1), Duration.ofMillis(4));

    @Test
    void shouldRetryTransientFailuresUntilTheWorkSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<Integer> reported = new ArrayList<>();
        String result = FAST.run(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new SQLException("lock timeout", "55P03");
            }
            return "done";
        }, (attempt, wait, cause) -> reported.add(attempt));
        assertEquals("done", result);
        assertEquals(3, calls.get());
        assertEquals(List.of(1, 2), reported);
    }

    @Test
    void shouldThrowAPermanentFailureAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        SQLException permanent = new SQLException("syntax", "42601");
        SQLException thrown = assertThrows(SQLException.class, () -> FAST.run(() -> {
            calls.incrementAndGet();
            throw permanent;
        }));
        assertSame(permanent, thrown);
        assertEquals(1, calls.get());
    }

    @Test
    void shouldGiveUpAfterItsAttemptsWithTheLastFailure() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(SQLException.class, () -> FAST.run(() -> {
            throw new SQLException("refused #" + calls.incrementAndGet(), "08001");
        }));
        assertEquals(4, calls.get());
    }

    @Test
    void shouldDrawEachWaitBetweenHalfAndAllOfAnExponentialCap() {
        Retry r = new Retry(10, Duration.ofMillis(100), Duration.ofMillis(1000));
        for (int i = 0; i < 200; i++) {
            long first = r.delay(1).toMillis();
            long third = r.delay(3).toMillis();
            long tenth = r.delay(10).toMillis();
            assertTrue(first >= 50 && first <= 100, "first wait " + first);
            assertTrue(third >= 200 && third <= 400, "third wait " + third);
            assertTrue(tenth >= 500 && tenth <= 1000, "capped wait " + tenth);
        }
    }

    @Test
    void shouldRefuseAPolicyWithoutAttempts() {
        assertThrows(IllegalArgumentException.class, () -> new Retry(0, Duration.ZERO, Duration.ZERO));
    }
}
