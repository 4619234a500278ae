package io.restage.common.config;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Opens JDBC connections to an environment's database with restage's safe defaults. */
public final class Connections {
    static {
        try {
            // register the driver even where the service loader does not see it (e.g. a framework class loader)
            Class.forName("org.postgresql.Driver");
        } catch (ClassNotFoundException e) {
            // not on this service's class path: DriverManager reports "no suitable driver" with the URL
        }
    }

    public static Connection open(EnvironmentConfig env, String applicationName) throws SQLException {
        DatabaseConfig db = env.database();
        Properties p = new Properties();
        if (db.user() != null) {
            p.setProperty("user", db.user());
        }
        if (db.password() != null && db.password().isPresent()) {
            p.setProperty("password", db.password().reveal());
        }
        p.setProperty("ApplicationName", applicationName);
        // Never let the driver put server DETAIL lines (which may quote row values) into exception messages.
        p.setProperty("logServerErrorDetail", "false");
        p.setProperty("connectTimeout", "15");
        try {
            return DriverManager.getConnection(db.url(), p);
        } catch (SQLException e) {
            throw new SQLException("cannot connect to the database of environment '" + env.name() + "' ("
                    + db.url() + "): " + e.getMessage(), e.getSQLState(), e);
        }
    }

    private Connections() {
    }
}
