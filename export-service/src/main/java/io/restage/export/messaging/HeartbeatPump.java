package io.restage.export.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.restage.common.progress.Heartbeats;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Writes the service's heartbeats (StepProgress) to {@code refresh.events} every {@code restage.heartbeat.interval}. */
@ApplicationScoped
public class HeartbeatPump {
    /** How often a participant says it is alive while it works on a step (the saga's deadlines are many of these). */
    @ConfigProperty(name = "restage.heartbeat.interval", defaultValue = "5s")
    Duration interval;

    /** How long beats go on after the last batch of a streaming step. */
    @ConfigProperty(name = "restage.heartbeat.linger", defaultValue = "30s")
    Duration linger;

    @Produces
    @Singleton
    Heartbeats heartbeats() {
        return new Heartbeats("export-service", linger, Clock.systemUTC());
    }

    void start(@Observes StartupEvent ev, Heartbeats beats, EventPublisher events) {
        beats.start(interval, events::publishNow);
    }

    void stop(@Observes ShutdownEvent ev, Heartbeats beats) {
        beats.close();
    }
}
