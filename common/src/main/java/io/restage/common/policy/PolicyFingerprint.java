package io.restage.common.policy;

import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A short fingerprint of everything in a policy that decides what a batch becomes: every rule with its parameters,
 * exclusions, the audit table, the admin rewrite, the staging password, bcrypt cost, the unruled-column mode and the
 * leak-audit key derivation, keyed by the policy secret (HMAC-SHA256, 16 bytes hex). Two services compute the same
 * fingerprint exactly when their policies agree, secret and passwords included, and the fingerprint reveals none of
 * them. Batches carry it; a service refuses a batch made under another fingerprint than its own.
 */
public final class PolicyFingerprint {
    /** Bumped whenever the leak audit's key derivation or fingerprint function changes. */
    static final String LEAK_AUDIT_VERSION = "leak-audit-v2";

    public static String of(PolicyConfig p) {
        StringBuilder c = new StringBuilder(LEAK_AUDIT_VERSION).append('\n');
        c.append("audit-table=").append(p.auditTable()).append('\n');
        c.append("exclude=").append(p.excludeTables().stream().sorted().toList()).append('\n');
        c.append("bcrypt-cost=").append(p.bcryptCost()).append('\n');
        c.append("refuse-all=").append(p.requireEveryColumn()).append('\n');
        c.append("staging-password=").append(secret(p.stagingPassword())).append('\n');
        AdminRewrite a = p.admin();
        if (a != null) {
            c.append("admin=").append(List.of(a.table(), a.matchColumn(), secret(a.matchValue()), String.valueOf(a.emailColumn()),
                    a.email(), String.valueOf(a.passwordColumn()), secret(a.password()))).append('\n');
        }
        Map<String, RuleConfig> rules = new TreeMap<>();
        p.allRules().forEach(r -> rules.put(r.id(), r));
        for (RuleConfig r : rules.values()) {
            c.append("rule ").append(r.id()).append('=').append(r.transformer()).append(new TreeMap<>(r.params())).append('\n');
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(p.secret().reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] h = mac.doFinal(c.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    /** A secret's presence and a digest of it, never the value (the whole line is then keyed by the policy secret). */
    private static String secret(Secret s) {
        if (s == null || !s.isPresent()) {
            return "unset";
        }
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.reveal().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The refusal when a batch was made under another policy. */
    public static String mismatch(String service, String batchFingerprint, String own) {
        return "the batch was made under policy " + (batchFingerprint == null ? "(none)" : batchFingerprint) + " but " + service
                + " runs policy " + own + ": the services' restage.yaml differ (rules, secret or passwords); deploy the same"
                + " configuration to every service";
    }

    private PolicyFingerprint() {
    }
}
