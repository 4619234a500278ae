package io.restage.importer.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.stack.StackProcess;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The commit asks for a quicker deadlock check (an autovacuum of a refreshed table is cancelled sooner) only where the
 * role may set it; any other role's commit goes on with the server's setting, its transaction intact.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class AutovacuumCancelTest {

    private static String inTransaction(String user) throws Exception {
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), user, "")) {
            c.setAutoCommit(false);
            Committer.quickerAutovacuumCancel(c);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("show deadlock_timeout")) {
                rs.next();
                String value = rs.getString(1);
                c.commit(); // the transaction is still usable
                return value;
            }
        }
    }

    @Test
    void aRoleThatMaySetItChecksAfter100Milliseconds() throws Exception {
        assertEquals("100ms", inTransaction("postgres"));
    }

    @Test
    void anyOtherRoleKeepsTheServersSettingAndItsTransaction() throws Exception {
        assertEquals("1s", inTransaction(StackProcess.READER));
    }
}
