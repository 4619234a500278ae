package io.restage.orchestrator.saga;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * How long each step may stay silent (no reply, no heartbeat) before the saga gives up on it. Participants beat every
 * few seconds while they work ({@code restage.heartbeat.interval}), so a deadline is many missed beats, never the
 * length of a long step.
 */
@ConfigMapping(prefix = "restage.orchestrator.deadlines")
public interface DeadlineSettings {

    /** Silence allowed while the export service checks the policy inside its snapshot. */
    @WithDefault("5m")
    Duration validate();

    /** Silence allowed while the export service reads the source. */
    @WithDefault("2m")
    Duration export();

    /** Silence allowed while the anonymizer works, counted from the export's last sign of life. */
    @WithDefault("2m")
    Duration anonymize();

    /** Silence allowed while the import service stages, counted from the anonymizer's last sign of life. */
    @WithDefault("2m")
    Duration stage();

    /** Silence allowed while the media service copies objects. */
    @WithDefault("2m")
    Duration mediaCopy();

    /** Silence allowed in the commit; past it the refresh ends with the commit's outcome unknown until the importer answers. */
    @WithDefault("5m")
    Duration commit();

    /** Silence allowed while the media service prunes after the commit. */
    @WithDefault("2m")
    Duration mediaPrune();

    /** Silence allowed for a compensation (discard staging, revert media). */
    @WithDefault("2m")
    Duration compensation();

    /** Silence allowed for an undo. */
    @WithDefault("5m")
    Duration undo();

    default Deadlines deadlines() {
        Map<Step, Duration> m = new EnumMap<>(Step.class);
        m.put(Step.VALIDATE, validate());
        m.put(Step.EXPORT, export());
        m.put(Step.ANONYMIZE, anonymize());
        m.put(Step.STAGE, stage());
        m.put(Step.MEDIA_COPY, mediaCopy());
        m.put(Step.COMMIT, commit());
        m.put(Step.MEDIA_PRUNE, mediaPrune());
        return new Deadlines(m, compensation(), undo());
    }
}
