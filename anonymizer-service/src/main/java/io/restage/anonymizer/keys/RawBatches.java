package io.restage.anonymizer.keys;

import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.BatchSeal;
import io.restage.common.security.DataKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKey;

/**
 * Opens sealed raw batches with their refresh's data key. A raw batch that is not sealed, whose key is gone (the
 * refresh ended: crypto-shredded) or that does not open (changed, or sealed under another key) is refused: only the
 * export, which holds the key, can have written a raw batch this service acts on. Keys are cached in memory for a
 * few seconds only, so a destroyed key stops working here almost at once.
 */
public final class RawBatches {
    static final Duration CACHE = Duration.ofSeconds(10);

    /** The opened record, or why it was refused (never a value). */
    public sealed interface Opened {
        record Record(byte[] record) implements Opened {
        }

        record Refused(String refreshId, String reason) implements Opened {
        }
    }

    /** Where keys come from: the state database in production, a map in tests. */
    public interface KeySource {
        Optional<SecretKey> get(String refreshId) throws Exception;
    }

    private record Cached(Optional<SecretKey> key, Instant until) {
    }

    private final KeySource keys;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public RawBatches(KeySource keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    public static RawBatches of(DataKeys keys) {
        return new RawBatches(keys::get, Clock.systemUTC());
    }

    public Opened open(byte[] record) throws Exception {
        BatchHeader h;
        try {
            h = BatchCodec.header(record);
        } catch (IllegalArgumentException e) {
            return new Opened.Refused(null, "not a restage batch record");
        }
        if (!BatchSeal.isSealed(record)) {
            return new Opened.Refused(h.refreshId(), "raw batch " + h.table() + "#" + h.seq() + " is not sealed: only the"
                    + " export writes raw batches, and it seals every one");
        }
        Optional<SecretKey> key = key(h.refreshId());
        if (key.isEmpty()) {
            return new Opened.Refused(h.refreshId(), "no data key for refresh " + h.refreshId() + " (it has ended and its key"
                    + " was destroyed, or it never existed)");
        }
        try {
            return new Opened.Record(BatchSeal.open(record, key.get()));
        } catch (IllegalArgumentException e) {
            return new Opened.Refused(h.refreshId(), "raw batch " + h.table() + "#" + h.seq() + " does not open with its"
                    + " refresh's key: it was changed or sealed by someone else");
        }
    }

    private Optional<SecretKey> key(String refreshId) throws Exception {
        Instant now = clock.instant();
        Cached c = cache.get(refreshId);
        if (c != null && now.isBefore(c.until())) {
            return c.key();
        }
        Optional<SecretKey> k = keys.get(refreshId);
        cache.put(refreshId, new Cached(k, now.plus(CACHE)));
        cache.entrySet().removeIf(e -> !now.isBefore(e.getValue().until()));
        return k;
    }
}
