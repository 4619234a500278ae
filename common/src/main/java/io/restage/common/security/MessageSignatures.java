package io.restage.common.security;

import io.restage.common.config.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies restage's control messages ({@code refresh.requested}, {@code refresh.commands},
 * {@code refresh.events}). The signature is an HMAC-SHA256, keyed by {@code security.message-key}, over the topic, the
 * record key, the send time and the exact value bytes, so a signed message cannot be moved to another topic,
 * re-keyed to another refresh, edited, or replayed after {@code security.max-message-age}. It travels in two Kafka
 * headers ({@link #SIGNATURE_HEADER}, {@link #SENT_AT_HEADER}); the value stays the plain JSON contract.
 * <p>
 * Every restage service holds the key: a participant can sign its replies, and a forger with only broker access
 * cannot sign anything. Replays inside the age window are stopped by each consumer's processed-id record.
 */
public final class MessageSignatures {
    public static final String SIGNATURE_HEADER = "restage-sig";
    public static final String SENT_AT_HEADER = "restage-sent-at";
    /** How far a sender's clock may run ahead of the receiver's. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(2);

    /** What travels beside a signed value. */
    public record Signature(String sentAt, String value) {
    }

    /** The result of checking a received message: accepted, or the reason it was refused (never a value). */
    public sealed interface Verdict {
        record Accepted() implements Verdict {
        }

        record Refused(String reason) implements Verdict {
        }

        default boolean accepted() {
            return this instanceof Accepted;
        }
    }

    private final byte[] key;
    private final Duration maxAge;
    private final Clock clock;

    /** The signatures of a deployment: {@code security.message-key} and {@code security.max-message-age}. */
    public static MessageSignatures of(io.restage.common.config.RestageConfig config) {
        return new MessageSignatures(config.security().messageKey(), config.security().maxMessageAge());
    }

    public MessageSignatures(Secret key, Duration maxAge) {
        this(key, maxAge, Clock.systemUTC());
    }

    public MessageSignatures(Secret key, Duration maxAge, Clock clock) {
        if (key == null || !key.isPresent()) {
            throw new IllegalArgumentException("security.message-key is not set: every restage service needs the same key");
        }
        this.key = key.reveal().getBytes(StandardCharsets.UTF_8);
        this.maxAge = maxAge;
        this.clock = clock;
    }

    public Signature sign(String topic, String recordKey, byte[] value) {
        String sentAt = Long.toString(clock.millis());
        return new Signature(sentAt, Base64.getEncoder().encodeToString(mac(topic, recordKey, sentAt, value)));
    }

    public Signature sign(String topic, String recordKey, String value) {
        return sign(topic, recordKey, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Checks a received record. {@code signature} and {@code sentAt} are the header values (null when absent).
     */
    public Verdict verify(String topic, String recordKey, String sentAt, String signature, byte[] value) {
        return verify(topic, recordKey, sentAt, signature, value, true);
    }

    /**
     * As {@link #verify}, but a batch record may wait on the broker longer than a control message may: its replay is
     * harmless (the importer's batch ledger applies each batch once) and its key binds it to one refresh and table.
     */
    public Verdict verifyBatch(String topic, String recordKey, String sentAt, String signature, byte[] value) {
        return verify(topic, recordKey, sentAt, signature, value, false);
    }

    private Verdict verify(String topic, String recordKey, String sentAt, String signature, byte[] value, boolean checkAge) {
        if (signature == null || sentAt == null) {
            return new Verdict.Refused("unsigned message (no " + SIGNATURE_HEADER + " header)");
        }
        long sent;
        try {
            sent = Long.parseLong(sentAt);
        } catch (NumberFormatException e) {
            return new Verdict.Refused("malformed " + SENT_AT_HEADER + " header");
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return new Verdict.Refused("malformed " + SIGNATURE_HEADER + " header");
        }
        if (!MessageDigest.isEqual(given, mac(topic, recordKey, sentAt, value))) {
            return new Verdict.Refused("wrong signature (not signed with this deployment's security.message-key,"
                    + " or changed on the way)");
        }
        if (!checkAge) {
            return new Verdict.Accepted();
        }
        Instant now = clock.instant();
        Instant at = Instant.ofEpochMilli(sent);
        if (at.isBefore(now.minus(maxAge))) {
            return new Verdict.Refused("stale message: sent " + Duration.between(at, now).toSeconds()
                    + " s ago, older than security.max-message-age (" + maxAge.toSeconds() + " s)");
        }
        if (at.isAfter(now.plus(CLOCK_SKEW))) {
            return new Verdict.Refused("message dated " + Duration.between(now, at).toSeconds()
                    + " s in the future: check the clocks of restage's hosts");
        }
        return new Verdict.Accepted();
    }

    public Verdict verify(String topic, String recordKey, String sentAt, String signature, String value) {
        return verify(topic, recordKey, sentAt, signature, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] mac(String topic, String recordKey, String sentAt, byte[] value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            // length-prefixed fields: no two different (topic, key, time, value) tuples share an input
            for (String s : new String[]{topic, recordKey == null ? "" : recordKey, sentAt}) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                mac.update(ByteBuffer.allocate(4).putInt(b.length).array());
                mac.update(b);
            }
            byte[] v = value == null ? new byte[0] : value;
            mac.update(ByteBuffer.allocate(4).putInt(v.length).array());
            mac.update(v);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }
}
