package io.restage.anonymizer.transform;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What transformers may use besides the value: the HMAC keyed by the policy secret (deterministic output: the same
 * input gives the same output in every batch, instance and refresh; another secret gives another output) and the
 * refresh's staging password hash (computed once per refresh).
 */
public final class TransformContext {
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> mac;
    private final Supplier<String> stagingPasswordHash;

    public TransformContext(String secret, Supplier<String> stagingPasswordHash) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(this::newMac);
        this.stagingPasswordHash = stagingPasswordHash;
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    /** HMAC-SHA256 of {@code purpose + value}: different purposes give unrelated outputs for the same value. */
    public byte[] hmac(String purpose, String value) {
        Mac m = mac.get();
        m.update(purpose.getBytes(StandardCharsets.UTF_8));
        m.update((byte) 0);
        return m.doFinal(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The first 8 bytes of the HMAC as an unsigned-ish long. */
    public long hmacLong(String purpose, String value) {
        byte[] h = hmac(purpose, value);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return v;
    }

    public String stagingPasswordHash() {
        return stagingPasswordHash.get();
    }
}
