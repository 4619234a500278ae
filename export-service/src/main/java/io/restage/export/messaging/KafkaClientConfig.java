package io.restage.export.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Properties;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The {@code kafka.*} settings every Kafka client of this service shares with the messaging channels: bootstrap
 * servers and, on a real cluster, TLS and SASL. The plain clients (raw-batch producer, admin) take them from here, so
 * none of them can ignore the cluster's security settings.
 */
@ApplicationScoped
public class KafkaClientConfig {

    public Properties properties() {
        Config c = ConfigProvider.getConfig();
        Properties p = new Properties();
        for (String name : c.getPropertyNames()) {
            if (name.startsWith("kafka.")) {
                c.getOptionalValue(name, String.class).filter(v -> !v.isBlank()).ifPresent(v -> p.put(name.substring(6), v));
            }
        }
        return p;
    }
}
