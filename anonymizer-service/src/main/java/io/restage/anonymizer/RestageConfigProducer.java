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

    /** Signs this service's replies. */
    @Produces
    @Singleton
    io.restage.common.security.MessageSignatures signatures(RestageConfig config) {
        return io.restage.common.security.MessageSignatures.of(config);
    }
}
