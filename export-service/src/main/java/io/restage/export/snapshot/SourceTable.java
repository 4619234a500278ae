package io.restage.export.snapshot;

import io.restage.common.batch.Column;
import java.util.List;

/** A table to export: schema, name, the stored (non-generated) columns in order, and its size in pages. */
public record SourceTable(String schema, String name, List<Column> columns, long pages) {
    public SourceTable(String schema, String name, List<Column> columns) {
        this(schema, name, columns, 0);
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
