package io.restage.media.plan;

/** An object as a listing shows it: key, ETag (quotes removed) and size. */
public record Listed(String key, String etag, long size) {
    /** Same content as far as a listing can tell: ETag and size. */
    public boolean sameAs(Listed other) {
        return other != null && etag.equals(other.etag) && size == other.size;
    }
}
