package io.restage.orchestrator.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@code perMinute} refresh start attempts per identity in any sliding minute, per orchestrator instance. A refused
 * start learns when the next one will be accepted ({@code Retry-After}).
 */
public final class StartRateLimiter {
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private final int perMinute;
    private final Clock clock;
    private final Map<String, Deque<Instant>> starts = new ConcurrentHashMap<>();

    public StartRateLimiter(int perMinute, Clock clock) {
        this.perMinute = perMinute;
        this.clock = clock;
    }

    /** Zero if the identity may start now (and the start is counted), else the seconds to wait. */
    public long tryStart(String identity) {
        Instant now = clock.instant();
        Deque<Instant> q = starts.computeIfAbsent(identity, k -> new ArrayDeque<>());
        synchronized (q) {
            while (!q.isEmpty() && !q.peekFirst().isAfter(now.minus(WINDOW))) {
                q.pollFirst();
            }
            if (q.size() >= perMinute) {
                return Math.max(1, Duration.between(now, q.peekFirst().plus(WINDOW)).toSeconds() + 1);
            }
            q.addLast(now);
            return 0;
        }
    }
}
