package io.restage.anonymizer.transform;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What transformers may use besides the value: the HMAC keyed by the policy secret (deterministic output: the same
 * input gives the same output in every batch, instance and refresh; another secret gives another output) and the
 * refresh's password hashes (computed once per refresh, never per row).
 */
public final class TransformContext {

    /** The refresh's bcrypt hashes: of the staging password, or of a random secret nobody knows. */
    public interface PasswordHashes {
        String hash(boolean randomSecret, int cost);
    }

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> mac;
    private final PasswordHashes passwords;
    private final int defaultCost;
    private final Map<String, long[]> roundKeys;
    /** Appended to every purpose: empty for the first draw, {@code #k} for the k-th re-draw. */
    private final String draw;

    public TransformContext(String secret, PasswordHashes passwords, int defaultCost) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(this::newMac);
        this.passwords = passwords;
        this.defaultCost = defaultCost;
        this.roundKeys = new ConcurrentHashMap<>();
        this.draw = "";
    }

    private TransformContext(TransformContext base, int attempt) {
        this.key = base.key;
        this.mac = base.mac;
        this.passwords = base.passwords;
        this.defaultCost = base.defaultCost;
        this.roundKeys = base.roundKeys;
        this.draw = "#" + attempt;
    }

    /**
     * The context of the {@code attempt}-th re-draw (1, 2, ...): every keyed choice differs from the first draw's,
     * still deterministic. Used when a fake equals its own source value or another audited source value of its rule.
     */
    public TransformContext redraw(int attempt) {
        return attempt == 0 ? this : new TransformContext(this, attempt);
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
        if (!draw.isEmpty()) {
            m.update(draw.getBytes(StandardCharsets.UTF_8));
        }
        m.update((byte) 0);
        return m.doFinal(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The first 8 bytes of the HMAC as a long. */
    public long hmacLong(String purpose, String value) {
        return toLong(hmac(purpose, value), 0);
    }

    /** {@code n} 64-bit keys derived from the secret for {@code purpose}, computed once. */
    public long[] roundKeys(String purpose, int n) {
        return roundKeys.computeIfAbsent(purpose + draw + "/" + n, k -> {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = hmacLong("round-key/" + purpose, Integer.toString(i));
            }
            return out;
        });
    }

    public String passwordHash(boolean randomSecret, int cost) {
        return passwords.hash(randomSecret, cost);
    }

    public int defaultBcryptCost() {
        return defaultCost;
    }

    static long toLong(byte[] h, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[offset + i] & 0xff);
        }
        return v;
    }
}
