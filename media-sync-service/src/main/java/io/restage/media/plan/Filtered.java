package io.restage.media.plan;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Supplier;

/**
 * An iterator over the elements a step function finds one at a time (null: no more), with the one-element look-ahead
 * every such stream needs: the listing that skips restage's own area, the orphans of a merge.
 */
public final class Filtered<T> implements Iterator<T> {
    private final Supplier<T> step;
    private T next;
    private boolean started;

    public Filtered(Supplier<T> step) {
        this.step = step;
    }

    @Override
    public boolean hasNext() {
        if (!started) {
            started = true;
            next = step.get();
        }
        return next != null;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T out = next;
        next = step.get();
        return out;
    }
}
