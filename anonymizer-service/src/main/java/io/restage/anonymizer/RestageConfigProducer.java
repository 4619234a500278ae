package io.restage.anonymizer;

import io.restage.common.config.RestageConfig;
import io.restage.common.config.RestageConfigLoader;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The environments and policy, read once from {@code restage.config-file}. */
public class RestageConfigProducer {
    @Produces
    @Singleton
    RestageConfig config(@ConfigProperty(name = "restage.config-file") String file) {
        return RestageConfigLoader.load(Path.of(file));
    }

    /** Opens sealed raw batches with their refresh's data key (needs security.batch-key). */
    @Produces
    @Singleton
    io.restage.anonymizer.keys.RawBatches rawBatches(RestageConfig config, io.agroal.api.AgroalDataSource stateDb)
            throws java.sql.SQLException {
        io.restage.common.security.DataKeys keys = new io.restage.common.security.DataKeys(stateDb, config.security().batchKey());
        return io.restage.anonymizer.keys.RawBatches.of(keys);
    }

    /** Signs this service's replies. */
    @Produces
    @Singleton
    io.restage.common.security.MessageSignatures signatures(RestageConfig config) {
        return io.restage.common.security.MessageSignatures.of(config);
    }
}
