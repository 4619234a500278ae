package io.restage.media.placeholder;

import io.restage.common.config.BucketConfig;
import io.restage.media.sync.Buckets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Placeholders are written once per type, size and Content-Type into the target bucket's
 * {@code .restage/placeholders/} area and copied server-side from there to every key that needs one: no upload per
 * object, and a key that already holds its placeholder (same ETag) is left alone. Kept across refreshes.
 */
public final class PlaceholderStore {
    public static final String AREA = ".restage/placeholders/";

    /** A placeholder stored in the target: where, its ETag and size. */
    public record Stored(String key, String etag, long size) {
    }

    private final Buckets buckets;
    private final Map<String, Stored> known = new ConcurrentHashMap<>();

    public PlaceholderStore(Buckets buckets) {
        this.buckets = buckets;
    }

    /** The placeholder's object in {@code target}, written first if it is not there yet. */
    public Stored ensure(BucketConfig target, Placeholders.Placeholder p) throws Exception {
        String key = AREA + p.name();
        String cacheKey = target.endpoint() + "|" + target.name() + "|" + key;
        Stored s = known.get(cacheKey);
        if (s != null) {
            return s;
        }
        synchronized (this) {
            s = known.get(cacheKey);
            if (s != null) {
                return s;
            }
            if (!buckets.exists(target, key)) {
                buckets.put(target, key, p.bytes(), p.contentType());
            }
            Buckets.Stat st = buckets.stat(target, key);
            s = new Stored(key, st.etag(), st.size());
            if (known.size() >= 10_000) {
                known.clear(); // images kept at many distinct sizes: the objects stay, only the memory of them goes
            }
            known.put(cacheKey, s);
            return s;
        }
    }
}
