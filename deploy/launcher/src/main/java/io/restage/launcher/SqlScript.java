package io.restage.launcher;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;

/**
 * Runs a psql-style SQL script over JDBC: statements split on semicolons outside quotes, comments and dollar
 * quotes; {@code COPY ... FROM stdin;} blocks fed through the COPY protocol up to their {@code \.} line; psql
 * meta-commands (lines starting with a backslash) skipped. Enough for pg_dump plain output such as Pagila.
 */
public final class SqlScript {

    public static void run(Connection c, Path file) throws IOException, SQLException {
        run(c, Files.readString(file, StandardCharsets.UTF_8));
    }

    public static void run(Connection c, String script) throws SQLException, IOException {
        int i = 0;
        int n = script.length();
        StringBuilder stmt = new StringBuilder();
        try (Statement st = c.createStatement()) {
            while (i < n) {
                char ch = script.charAt(i);
                if (stmt.toString().isBlank() && ch == '\\' && (i == 0 || script.charAt(i - 1) == '\n')) {
                    int eol = script.indexOf('\n', i);
                    i = eol < 0 ? n : eol + 1;
                    stmt.setLength(0);
                    continue;
                }
                if (ch == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                    int eol = script.indexOf('\n', i);
                    i = eol < 0 ? n : eol + 1;
                    stmt.append('\n');
                    continue;
                }
                if (ch == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                    int end = script.indexOf("*/", i + 2);
                    i = end < 0 ? n : end + 2;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    int j = i + 1;
                    while (j < n) {
                        if (script.charAt(j) == ch) {
                            if (j + 1 < n && script.charAt(j + 1) == ch) {
                                j += 2;
                                continue;
                            }
                            break;
                        }
                        j++;
                    }
                    stmt.append(script, i, Math.min(n, j + 1));
                    i = j + 1;
                    continue;
                }
                if (ch == '$') {
                    int j = i + 1;
                    while (j < n && (Character.isLetterOrDigit(script.charAt(j)) || script.charAt(j) == '_')) {
                        j++;
                    }
                    if (j < n && script.charAt(j) == '$') {
                        String tag = script.substring(i, j + 1);
                        int end = script.indexOf(tag, j + 1);
                        int stop = end < 0 ? n : end + tag.length();
                        stmt.append(script, i, stop);
                        i = stop;
                        continue;
                    }
                }
                if (ch == ';') {
                    String sql = stmt.toString().trim();
                    stmt.setLength(0);
                    i++;
                    if (sql.isEmpty()) {
                        continue;
                    }
                    if (sql.toLowerCase().startsWith("copy ") && sql.toLowerCase().endsWith("from stdin")) {
                        int dataStart = script.indexOf('\n', i) + 1;
                        int end = script.indexOf("\n\\.\n", dataStart - 1);
                        String data = end < 0 ? script.substring(dataStart) : script.substring(dataStart, end + 1);
                        if (end >= 0 && end + 1 <= dataStart) {
                            data = "";
                        }
                        c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new StringReader(data));
                        i = end < 0 ? n : end + 4;
                    } else {
                        st.execute(sql);
                    }
                    continue;
                }
                stmt.append(ch);
                i++;
            }
            String rest = stmt.toString().trim();
            if (!rest.isEmpty()) {
                st.execute(rest);
            }
        }
    }

    private SqlScript() {
    }
}
