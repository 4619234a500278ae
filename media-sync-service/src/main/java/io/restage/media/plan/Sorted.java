package io.restage.media.plan;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * An iterator that must be strictly ascending in {@link KeyOrder}: the merges compare two streams key by key, which is
 * only right when both are sorted, so a source that is not (a store that lists in another order, a database with
 * another collation) is stopped at the first key out of order instead of producing a wrong plan.
 */
public final class Sorted<T> implements Iterator<T> {
    private final Iterator<T> in;
    private final Function<T, String> key;
    private final String what;
    private String last;

    public Sorted(Iterator<T> in, Function<T, String> key, String what) {
        this.in = in;
        this.key = key;
        this.what = what;
    }

    @Override
    public boolean hasNext() {
        return in.hasNext();
    }

    @Override
    public T next() {
        if (!in.hasNext()) {
            throw new NoSuchElementException();
        }
        T t = in.next();
        String k = key.apply(t);
        if (last != null && KeyOrder.compare(last, k) >= 0) {
            throw new IllegalStateException(what + " is not in S3 key order (byte order): a key sorts "
                    + (KeyOrder.compare(last, k) == 0 ? "twice" : "before the one listed ahead of it")
                    + "; restage compares listings as sorted streams and stops rather than copy or delete by a wrong plan");
        }
        last = k;
        return t;
    }
}
