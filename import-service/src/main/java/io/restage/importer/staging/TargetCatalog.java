package io.restage.importer.staging;

import io.restage.common.PgCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The target's leaf tables and their columns, read from its catalog (restage's own schemas left out). */
public final class TargetCatalog {

    /**
     * A target column: its type as {@code format_type} prints it, the base type when that is a domain (what the
     * source side sends), and whether the target computes it.
     */
    public record TargetColumn(String name, String type, boolean generated, boolean notNull, boolean hasDefault,
                               String baseType) {
    }

    public static Map<String, List<TargetColumn>> read(Connection c) throws SQLException {
        String sql = """
                select n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                       a.attgenerated <> '', a.attnotnull, a.atthasdef or a.attidentity <> '',
                       format_type(case when t.typtype = 'd' then t.typbasetype else a.atttypid end,
                                   case when t.typtype = 'd' then t.typtypmod else a.atttypmod end)
                from pg_class c
                join pg_namespace n on n.oid = c.relnamespace
                join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                join pg_type t on t.oid = a.atttypid
                where %s
                order by 1, a.attnum
                """.formatted(PgCatalog.APPLICATION_TABLES);
        Map<String, List<TargetColumn>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new TargetColumn(rs.getString(2),
                        rs.getString(3), rs.getBoolean(4), rs.getBoolean(5), rs.getBoolean(6), rs.getString(7)));
            }
        }
        return out;
    }

    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** A text as an SQL string literal (for statements that take no parameters: COMMENT, SET). */
    public static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** {@code schema.table} (as restage names tables) to a quoted SQL identifier. */
    public static String sqlName(String qualified) {
        int dot = qualified.indexOf('.');
        return quote(qualified.substring(0, dot)) + "." + quote(qualified.substring(dot + 1));
    }

    private TargetCatalog() {
    }
}
