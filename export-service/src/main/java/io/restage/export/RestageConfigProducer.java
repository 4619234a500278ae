package io.restage.export;

import io.agroal.api.AgroalDataSource;
import io.restage.common.config.RestageConfig;
import io.restage.common.config.RestageConfigLoader;
import io.restage.common.security.MessageSignatures;
import io.restage.common.security.SignedIntake;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.sql.SQLException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The environments, policy and security settings, read once from {@code restage.config-file}. */
public class RestageConfigProducer {
    @Produces
    @Singleton
    RestageConfig config(@ConfigProperty(name = "restage.config-file") String file) {
        return RestageConfigLoader.load(Path.of(file));
    }

    /** Signs this service's replies. */
    @Produces
    @Singleton
    MessageSignatures signatures(RestageConfig config) {
        return MessageSignatures.of(config);
    }

    /** The per-refresh keys that seal raw batches (needs security.batch-key). */
    @Produces
    @Singleton
    io.restage.common.security.DataKeys dataKeys(RestageConfig config, AgroalDataSource stateDb) throws SQLException {
        io.restage.common.security.DataKeys keys = new io.restage.common.security.DataKeys(stateDb, config.security().batchKey());
        return keys;
    }

    /** The gate of every control message this service reads: signature, age, key, replay record. */
    @Produces
    @Singleton
    SignedIntake intake(RestageConfig config, AgroalDataSource stateDb) throws SQLException {
        return SignedIntake.forParticipant(config, stateDb, "export-service");
    }
}
