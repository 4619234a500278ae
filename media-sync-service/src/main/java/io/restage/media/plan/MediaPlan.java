package io.restage.media.plan;

import java.util.Iterator;

/**
 * What the copy does with each key, decided by merging sorted streams (never a listing in memory): the keys wanted in
 * the target (the source listing when mirroring; the keys the refreshed rows reference when the policy guides media),
 * the source listing, and the target listing. And, for the prune, the target's orphans: target objects no wanted key
 * names. Each stream must be ascending in {@link KeyOrder} (wrap it in {@link Sorted}).
 */
public final class MediaPlan {
    public enum Kind {
        /** Source and target already hold the same object. */
        UNCHANGED,
        /** The target lacks the object or holds another one: copy it. */
        COPY,
        /** A personal file: the target gets a placeholder of the same type at this key (unless it already holds it). */
        PLACEHOLDER,
        /** A row references a key the source bucket lacks: nothing to copy. */
        MISSING
    }

    /** One decision; {@code source} is null only for MISSING, {@code target} is null when the target lacks the key. */
    public record Step(Kind kind, String key, Listed source, Listed target, boolean keepDimensions) {
    }

    private MediaPlan() {
    }

    /** Mirror: every source object, compared with the target's. */
    public static Iterator<Step> mirror(Iterator<Listed> source, Iterator<Listed> target) {
        Peeking<Listed> t = new Peeking<>(target);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public Step next() {
                Listed s = source.next();
                Listed existing = advanceTo(t, s.key());
                return new Step(s.sameAs(existing) ? Kind.UNCHANGED : Kind.COPY, s.key(), s, existing, false);
            }
        };
    }

    /** Guided: every referenced key, looked up in the source and the target listings. */
    public static Iterator<Step> guided(Iterator<Referenced> wanted, Iterator<Listed> source, Iterator<Listed> target) {
        Peeking<Listed> s = new Peeking<>(source);
        Peeking<Listed> t = new Peeking<>(target);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return wanted.hasNext();
            }

            @Override
            public Step next() {
                Referenced r = wanted.next();
                Listed src = advanceTo(s, r.key());
                Listed existing = advanceTo(t, r.key());
                if (src == null) {
                    return new Step(Kind.MISSING, r.key(), null, existing, false);
                }
                if (r.placeholder()) {
                    return new Step(Kind.PLACEHOLDER, r.key(), src, existing, r.keepDimensions());
                }
                return new Step(src.sameAs(existing) ? Kind.UNCHANGED : Kind.COPY, r.key(), src, existing, false);
            }
        };
    }

    /** Target objects whose key is not among {@code wanted} (both ascending). */
    public static Iterator<Listed> orphans(Iterator<Listed> target, Iterator<String> wanted) {
        Peeking<String> w = new Peeking<>(wanted);
        return new Filtered<>(() -> {
            while (target.hasNext()) {
                Listed t = target.next();
                while (w.peek() != null && KeyOrder.compare(w.peek(), t.key()) < 0) {
                    w.take();
                }
                if (w.peek() == null || !w.peek().equals(t.key())) {
                    return t;
                }
            }
            return null;
        });
    }

    /** Skips the listing to {@code key}: the object at that key, or null if the listing has none. */
    private static Listed advanceTo(Peeking<Listed> listing, String key) {
        while (listing.peek() != null && KeyOrder.compare(listing.peek().key(), key) < 0) {
            listing.take();
        }
        return listing.peek() != null && listing.peek().key().equals(key) ? listing.take() : null;
    }
}
