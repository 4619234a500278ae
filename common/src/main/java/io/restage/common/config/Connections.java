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
        return open(env, applicationName, 15);
    }

    /** As {@link #open(EnvironmentConfig, String)}, giving up on connecting after {@code connectTimeoutSeconds}. */
    public static Connection open(EnvironmentConfig env, String applicationName, int connectTimeoutSeconds) throws SQLException {
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
        p.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
        try {
            return DriverManager.getConnection(db.url(), p);
        } catch (SQLException e) {
            // the URL, user and server address stay out of the message: it reaches events, API answers and logs
            throw new SQLException("cannot connect to the database of environment '" + env.name() + "': "
                    + connectionCause(e), e.getSQLState(), e);
        }
    }

    /**
     * The cause of a failed connection in words that name no host, port, user or database: the driver's own message
     * quotes them ("Connection to 10.0.0.5:5432 refused", "password authentication failed for user \"x\"").
     */
    static String connectionCause(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String why = switch (state) {
            case "28P01", "28000" -> "authentication failed: check the user and password of its database";
            case "3D000" -> "the database does not exist: check the url of its database";
            case "08001", "08004" -> "the server refused or did not answer the connection: check that it runs and is reachable";
            case "08006" -> "the connection failed: check that the server runs and is reachable";
            case "53300" -> "the server has too many connections";
            case "57P03" -> "the server is starting up or shutting down";
            default -> "connection error";
        };
        return why + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")");
    }

    private Connections() {
    }
}
