package io.restage.importer.commit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The target's foreign keys, checked inside the commit. The load runs with {@code session_replication_role = replica}
 * (no trigger fires, so no foreign key is checked row by row); a subset refresh checks every key of the target that
 * touches a replaced table afterwards, the target's own keys included (ones the source does not have), in one
 * anti-join per key.
 */
final class ForeignKeys {
    private ForeignKeys() {
    }

    /** Null when every key holds; else which keys would dangle and how many rows (at most five keys named). */
    static String dangling(Connection c, List<String> tables) throws SQLException {
        List<String[]> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select k.conname, k.conrelid::regclass::text, k.confrelid::regclass::text,
                       array(select quote_ident(a.attname) from unnest(k.conkey) with ordinality u(n, i)
                             join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i)::text[],
                       array(select quote_ident(a.attname) from unnest(k.confkey) with ordinality u(n, i)
                             join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n order by u.i)::text[]
                from pg_constraint k
                join pg_class ck on ck.oid = k.conrelid join pg_namespace cn on cn.oid = ck.relnamespace
                join pg_class pk on pk.oid = k.confrelid join pg_namespace pn on pn.oid = pk.relnamespace
                where k.contype = 'f' and k.conparentid = 0
                  and (cn.nspname || '.' || ck.relname = any (?) or pn.nspname || '.' || pk.relname = any (?))
                """)) {
            java.sql.Array arr = c.createArrayOf("text", tables.toArray());
            ps.setArray(1, arr);
            ps.setArray(2, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] cc = (String[]) rs.getArray(4).getArray();
                    String[] pc = (String[]) rs.getArray(5).getArray();
                    List<String> on = new ArrayList<>();
                    List<String> notNull = new ArrayList<>();
                    for (int i = 0; i < cc.length; i++) {
                        on.add("p." + pc[i] + " = ch." + cc[i]);
                        notNull.add("ch." + cc[i] + " is not null");
                    }
                    keys.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3),
                            "select count(*) from " + rs.getString(2) + " ch where " + String.join(" and ", notNull)
                                    + " and not exists (select 1 from " + rs.getString(3) + " p where " + String.join(" and ", on) + ")"});
                }
            }
        }
        List<String> found = new ArrayList<>();
        for (String[] k : keys) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(k[3])) {
                rs.next();
                long n = rs.getLong(1);
                if (n > 0 && found.size() < 5) {
                    found.add(n + " rows of " + k[1] + " reference " + k[2] + " rows that are not there (" + k[0] + ")");
                }
            }
        }
        return found.isEmpty() ? null : String.join("; ", found);
    }
}
