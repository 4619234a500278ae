package io.restage.orchestrator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.config.Secret;
import io.restage.common.config.SecurityConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    private static final SecurityConfig CONFIG = new SecurityConfig(new Secret("k".repeat(32)), Duration.ofMinutes(15),
            List.of("Alice@Corp.example", "bob@corp.example"), List.of("platform-team"), List.of("operator", "sre"),
            List.of("viewer"), Map.of("staging-eu", List.of("alice@corp.example", "group:eu-team")), 5, new Secret(null));
    private final AccessPolicy policy = new AccessPolicy(CONFIG);

    @ParameterizedTest(name = "{0} with groups [{1}] -> staff {2}, roles [{3}]")
    @CsvSource(delimiter = '|', value = {
            // email                | groups                  | staff | roles            | refusal mentions
            "alice@corp.example     | operator                | true  | operator viewer  |",
            "ALICE@corp.example     | viewer                  | true  | viewer           |",
            "bob@corp.example       | sre                     | true  | operator viewer  |",
            "carol@corp.example     | platform-team viewer    | true  | viewer           |",
            "bob@corp.example       |                         | true  |                  | no restage role",
            "mallory@evil.example   | operator                | false |                  | not staff",
            "mallory@evil.example   | operator viewer admin   | false |                  | not staff",
    })
    void shouldGiveRolesToStaffOnlyAndSayWhyNot(String email, String groups, boolean staff, String roles, String refusal) {
        List<String> g = groups == null ? List.of() : Arrays.asList(groups.trim().split("\\s+"));
        AccessPolicy.Access a = policy.evaluate(email, null, "subject-1", g);
        assertEquals(email, a.identity());
        assertEquals(staff, a.staff());
        assertEquals(roles == null ? Set.of() : Set.of(roles.trim().split("\\s+")), a.roles());
        if (refusal == null) {
            assertNull(a.refusal());
        } else {
            assertTrue(a.refusal().contains(refusal), a.refusal());
        }
    }

    @Test
    void shouldNameTheHolderByEmailThenUpnThenSubjectAndRefuseATokenThatNamesNobody() {
        assertEquals("u@corp.example", policy.evaluate(null, "u@corp.example", "sub", List.of()).identity());
        assertEquals("sub-7", policy.evaluate(null, null, "sub-7", List.of("platform-team")).identity());
        AccessPolicy.Access nobody = policy.evaluate(null, " ", null, List.of("operator"));
        assertFalse(nobody.staff());
        assertTrue(nobody.roles().isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"staging-eu,alice@corp.example,,true", "staging-eu,bob@corp.example,,false", "staging-eu,bob@corp.example,eu-team,true",
            "staging,bob@corp.example,,true"})
    void shouldLimitTargetsListedInSecurityTargets(String target, String email, String group, boolean allowed) {
        assertEquals(allowed, policy.mayActOn(target, email, group == null ? List.of() : List.of(group)));
    }

    @Test
    void shouldLimitStartAttemptsPerIdentityPerSlidingMinute() {
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public Instant instant() { return now[0]; }
        };
        StartRateLimiter limiter = new StartRateLimiter(3, clock);
        assertEquals(0, limiter.tryStart("a"));
        now[0] = now[0].plusSeconds(10);
        assertEquals(0, limiter.tryStart("a"));
        assertEquals(0, limiter.tryStart("a"));
        assertEquals(51, limiter.tryStart("a"), "the first attempt leaves the window 50 s from now");
        assertEquals(0, limiter.tryStart("b"), "per identity");
        now[0] = now[0].plusSeconds(51);
        assertEquals(0, limiter.tryStart("a"));
    }
}
