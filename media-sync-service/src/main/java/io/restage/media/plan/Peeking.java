package io.restage.media.plan;

import java.util.Iterator;

/** One element of look-ahead over an iterator, for the merges. */
final class Peeking<T> {
    private final Iterator<T> in;
    private T head;

    Peeking(Iterator<T> in) {
        this.in = in;
        this.head = in.hasNext() ? in.next() : null;
    }

    T peek() {
        return head;
    }

    T take() {
        T t = head;
        head = in.hasNext() ? in.next() : null;
        return t;
    }
}
