package io.restage.export.snapshot;

import io.restage.common.batch.Column;
import io.restage.common.PgCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the source's tables from the catalog. Leaf tables only (plain tables and partitions: a partitioned parent
 * holds no rows of its own), never system schemas nor restage's own ({@code restage}, {@code restage_stage_*}).
 * Generated columns are left out: the target recomputes them. A domain column carries its base type (what a
 * transformer must be able to write).
 */
public final class Catalog {

    public static List<SourceTable> tables(Connection c) throws SQLException {
        String sql = """
                select n.nspname, c.relname, a.attname,
                       format_type(case when t.typtype = 'd' then t.typbasetype else a.atttypid end,
                                   case when t.typtype = 'd' then t.typtypmod else a.atttypmod end)
                from pg_class c
                join pg_namespace n on n.oid = c.relnamespace
                join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                join pg_type t on t.oid = a.atttypid
                where %s
                  and a.attgenerated = ''
                order by n.nspname, c.relname, a.attnum
                """.formatted(PgCatalog.APPLICATION_TABLES);
        Map<String, SourceTable> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String key = rs.getString(1) + "." + rs.getString(2);
                SourceTable t = tables.computeIfAbsent(key, k -> {
                    try {
                        return new SourceTable(rs.getString(1), rs.getString(2), new ArrayList<>());
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.columns().add(new Column(rs.getString(3), rs.getString(4)));
            }
        }
        Map<String, Long> pages = new LinkedHashMap<>();
        Map<String, Long> estimates = new LinkedHashMap<>();
        // the row estimate: the statistics collector's live-tuple count (kept up to date by inserts and deletes, also
        // before any ANALYZE), else the planner's reltuples; -1 when neither knows
        try (PreparedStatement ps = c.prepareStatement("select n.nspname || '.' || c.relname,"
                + " pg_relation_size(c.oid) / current_setting('block_size')::bigint,"
                + " case when s.n_live_tup > 0 then s.n_live_tup when c.reltuples >= 0 then c.reltuples::bigint else -1 end"
                + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " left join pg_stat_all_tables s on s.relid = c.oid where " + PgCatalog.APPLICATION_TABLES);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                pages.put(rs.getString(1), rs.getLong(2));
                estimates.put(rs.getString(1), rs.getLong(3));
            }
        }
        List<SourceTable> out = new ArrayList<>();
        tables.values().forEach(t -> out.add(new SourceTable(t.schema(), t.name(), List.copyOf(t.columns()),
                pages.getOrDefault(t.qualified(), 0L), estimates.getOrDefault(t.qualified(), -1L))));
        return out;
    }

    private Catalog() {
    }
}
