package io.restage.common.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the media copy does with a source's objects (policy {@code media:}).
 * <ul>
 *   <li>{@code prefix}: restage manages only keys under it, in both buckets (copy and prune); null for the whole bucket
 *   (restage's own {@code .restage/} area aside).</li>
 *   <li>{@code keys}: columns that hold object keys ({@code table.column}). With any, the copy is <em>guided by the
 *   database</em>: only objects the refreshed rows reference are copied, and every other target object under the
 *   prefix is an orphan for the prune. Without, the bucket (or the prefix) is mirrored.</li>
 *   <li>{@code placeholders}: columns whose objects are personal files: the target object at the same key becomes a
 *   minimal valid file of the same type (optionally an image of the same dimensions), never the original. Their
 *   columns count as key columns too.</li>
 *   <li>{@code maxDeletePercent}: the prune deletes at most this share of the target's objects (under the prefix)
 *   unless the refresh request allows more.</li>
 * </ul>
 */
public record MediaPolicy(String prefix, List<Column> keys, List<Placeholder> placeholders, int maxDeletePercent) {
    public static final int DEFAULT_MAX_DELETE_PERCENT = 10;
    public static final MediaPolicy MIRROR = new MediaPolicy(null, List.of(), List.of(), DEFAULT_MAX_DELETE_PERCENT);

    /** A column of a table ({@code schema.table}, {@code column}). */
    public record Column(String table, String column) {
        @Override
        public String toString() {
            return table + "." + column;
        }
    }

    /** Objects referenced by {@code column} are replaced by placeholders; images keep their size if asked. */
    public record Placeholder(Column column, boolean keepDimensions) {
    }

    public MediaPolicy {
        keys = List.copyOf(keys);
        placeholders = List.copyOf(placeholders);
    }

    /** Guided by the database: some column names the objects. */
    public boolean guided() {
        return !keys.isEmpty() || !placeholders.isEmpty();
    }

    /** Every column that references objects: the key columns and the placeholder columns, once each, in order. */
    public List<Column> referenceColumns() {
        Set<Column> all = new LinkedHashSet<>(keys);
        placeholders.forEach(p -> all.add(p.column()));
        return new ArrayList<>(all);
    }

    /** The placeholder rule of a column, or null if its objects are copied as they are. */
    public Placeholder placeholderOf(Column c) {
        return placeholders.stream().filter(p -> p.column().equals(c)).findFirst().orElse(null);
    }

    /** Whether the key is one restage manages under this policy. */
    public boolean manages(String key) {
        return prefix == null || key.startsWith(prefix);
    }
}
