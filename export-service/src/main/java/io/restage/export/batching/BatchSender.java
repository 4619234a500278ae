package io.restage.export.batching;

/** Where a finished batch record goes: the Kafka producer in production, a list in tests. */
public interface BatchSender {
    /** Sends one encoded batch record; may block when the producer's bounded buffer is full. */
    void send(String key, byte[] record);

    /** Waits until everything sent is acknowledged; throws if any send failed. */
    void flush();
}
