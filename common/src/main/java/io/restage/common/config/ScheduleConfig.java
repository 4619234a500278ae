package io.restage.common.config;

import java.time.ZoneId;
import java.util.List;

/**
 * A scheduled refresh (configuration {@code schedules.<name>}): {@code source} into {@code target} at every time the
 * Quartz-style {@code cron} expression ({@code sec min hour day-of-month month day-of-week}, e.g. {@code 0 30 2 * * ?})
 * names in {@code zone}. The confirmation an operator would type is given once here ({@code confirm-target}, checked
 * against the target's hostname when the configuration loads), as is the risk acknowledgement when anonymizers are
 * skipped. Started as {@code schedule:<name>} in the audit log and the report. {@code paused: true}: the schedule is
 * created paused (an operator resumes it); afterwards pausing and resuming belong to the dashboard and the CLI.
 */
public record ScheduleConfig(String name, String source, String target, String cron, ZoneId zone, Boolean media,
                             List<String> skipAnonymizers, boolean startPaused) {
    public ScheduleConfig {
        skipAnonymizers = skipAnonymizers == null ? List.of() : List.copyOf(skipAnonymizers);
    }

    /** Who a scheduled refresh is requested by. */
    public String identity() {
        return "schedule:" + name;
    }
}
