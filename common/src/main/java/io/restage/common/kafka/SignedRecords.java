package io.restage.common.kafka;

import io.restage.common.messages.Message;
import io.restage.common.messages.MessageCodec;
import io.restage.common.security.MessageSignatures;
import io.restage.common.security.SignedIntake;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Kafka plumbing of signed control messages: the headers a signed record carries, and the intake check of a received
 * one. Kept out of the contract types (which stay free of Kafka).
 */
public final class SignedRecords {

    /** A value to send with its signature headers. */
    public record Outgoing(String key, String value, Headers headers) {
    }

    public static Outgoing sign(MessageSignatures signatures, String topic, Message message) {
        String value = MessageCodec.encode(message);
        MessageSignatures.Signature sig = signatures.sign(topic, message.refreshId(), value);
        RecordHeaders headers = new RecordHeaders();
        headers.add(MessageSignatures.SIGNATURE_HEADER, sig.value().getBytes(StandardCharsets.US_ASCII));
        headers.add(MessageSignatures.SENT_AT_HEADER, sig.sentAt().getBytes(StandardCharsets.US_ASCII));
        return new Outgoing(message.refreshId(), value, headers);
    }

    public static <T extends Message> SignedIntake.Received<T> receive(SignedIntake intake, ConsumerRecord<String, String> r,
                                                                      Class<T> type) throws SQLException {
        return intake.receive(r.topic(), r.key(), header(r, MessageSignatures.SENT_AT_HEADER),
                header(r, MessageSignatures.SIGNATURE_HEADER), r.value(), type);
    }

    /** Signature headers for a batch record (bytes as they go on the wire). */
    public static Headers signBatch(MessageSignatures signatures, String topic, String key, byte[] record) {
        MessageSignatures.Signature sig = signatures.sign(topic, key, record);
        RecordHeaders headers = new RecordHeaders();
        headers.add(MessageSignatures.SIGNATURE_HEADER, sig.value().getBytes(StandardCharsets.US_ASCII));
        headers.add(MessageSignatures.SENT_AT_HEADER, sig.sentAt().getBytes(StandardCharsets.US_ASCII));
        return headers;
    }

    public static MessageSignatures.Verdict verifyBatch(MessageSignatures signatures, ConsumerRecord<String, byte[]> r) {
        return signatures.verifyBatch(r.topic(), r.key(), header(r, MessageSignatures.SENT_AT_HEADER),
                header(r, MessageSignatures.SIGNATURE_HEADER), r.value());
    }

    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.US_ASCII);
    }

    /** For logs: where a refused record was, never what it said. */
    public static String where(ConsumerRecord<?, ?> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    private SignedRecords() {
    }
}
