package io.restage.common.health;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may read a service's metrics ({@code /q/metrics}): whoever sends {@code Authorization: Bearer <token>} with the
 * configured scrape token ({@code restage.metrics.token}, from the environment). Without a configured token nobody
 * may: metrics name tables and targets, and no route of restage answers without a credential.
 */
public final class ScrapeToken {
    /** The answer to a refused scrape: what was wrong and how to fix it, never the token. */
    public static final String REFUSAL = "{\"status\":401,\"error\":\"unauthenticated\",\"message\":\"metrics need the scrape"
            + " token: send Authorization: Bearer <the service's RESTAGE_METRICS_TOKEN> (unset: metrics are closed)\"}";

    public static boolean allowed(String authorization, String token) {
        if (token == null || token.isBlank() || authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorization.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.strip().getBytes(StandardCharsets.UTF_8));
    }

    private ScrapeToken() {
    }
}
