package io.restage.export.snapshot;

import io.restage.common.batch.Column;
import java.util.List;

/**
 * A table to export: schema, name, the stored (non-generated) columns in order, its size in pages, and the source's
 * row estimate from its statistics (-1 when it has none), shown against the counts as progress.
 */
public record SourceTable(String schema, String name, List<Column> columns, long pages, long estimate) {
    public SourceTable(String schema, String name, List<Column> columns) {
        this(schema, name, columns, 0, -1);
    }

    public SourceTable(String schema, String name, List<Column> columns, long pages) {
        this(schema, name, columns, pages, -1);
    }

    public String qualified() {
        return schema + "." + name;
    }

    /** The identifier as SQL, quoted so mixed case and reserved words work. */
    public String sql() {
        return quote(schema) + "." + quote(name);
    }

    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
