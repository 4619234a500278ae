package io.restage.common.security;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a source connection could write: a READ ONLY transaction is a promise of the client, not a limit of the
 * role. restage reads a source only as a role that has no superuser or RLS bypass, is not a member of
 * pg_write_all_data, and holds none of INSERT, UPDATE, DELETE or TRUNCATE on any table (SELECT through
 * pg_read_all_data, or grants per table, is all it needs).
 */
public final class SourceAccess {
    private static final int SHOWN = 5;

    /** Null when the role can only read; else what it can do, by name (never a value). */
    public static String writeAccess(Connection c) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select rolsuper, rolbypassrls, pg_has_role(current_user,"
                + " 'pg_write_all_data', 'member') from pg_roles where rolname = current_user");
             ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                if (rs.getBoolean(1)) {
                    found.add("is a superuser");
                }
                if (rs.getBoolean(2)) {
                    found.add("bypasses row-level security");
                }
                if (rs.getBoolean(3)) {
                    found.add("is a member of pg_write_all_data");
                }
            }
        }
        if (found.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("select format('%I.%I', n.nspname, c.relname), count(*) over ()"
                    + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p')"
                    + " and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'"
                    + " and has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') order by 1 limit " + SHOWN);
                 ResultSet rs = ps.executeQuery()) {
                List<String> tables = new ArrayList<>();
                long total = 0;
                while (rs.next()) {
                    tables.add(rs.getString(1));
                    total = rs.getLong(2);
                }
                if (!tables.isEmpty()) {
                    found.add("may write " + total + " table(s), e.g. " + String.join(", ", tables));
                }
            }
        }
        return found.isEmpty() ? null : String.join("; ", found);
    }

    /** The refusal message for a source whose role can write. */
    public static String refusal(String environment, String access) {
        return "the database user of source '" + environment + "' can write (" + access + "): restage reads sources only"
                + " as a role that can read and nothing else (for example a new LOGIN role granted pg_read_all_data, and"
                + " nothing else): set it as environments." + environment + ".database.user";
    }

    private SourceAccess() {
    }
}
