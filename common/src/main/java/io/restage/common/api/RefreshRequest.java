package io.restage.common.api;

import java.util.List;

/**
 * {@code POST /api/refreshes}: copy {@code source} into {@code target}. {@code confirmTarget} is the target's hostname,
 * typed by the operator; {@code riskAcknowledgement} must be {@code I_UNDERSTAND_THE_PII_RISK} when
 * {@code skipAnonymizers} names any rule id (schema.table.column) or transformer; {@code media} defaults to true when
 * both environments have a bucket. {@code allowMediaDeletes} lets the media prune delete more than the policy's
 * media.max-delete-percent of the target's objects (default false: a prune over the cap is refused and deletes nothing).
 * {@code subset} names a configured subset: the refresh copies its roots' world instead of whole tables.
 * The server checks all of it; the CLI and the dashboard send this record.
 */
public record RefreshRequest(String source, String target, String confirmTarget, List<String> skipAnonymizers,
                             String riskAcknowledgement, Boolean media, Boolean allowMediaDeletes, String subset) {
    public RefreshRequest(String source, String target, String confirmTarget, List<String> skipAnonymizers,
                          String riskAcknowledgement, Boolean media) {
        this(source, target, confirmTarget, skipAnonymizers, riskAcknowledgement, media, null, null);
    }

    public RefreshRequest(String source, String target, String confirmTarget, List<String> skipAnonymizers,
                          String riskAcknowledgement, Boolean media, Boolean allowMediaDeletes) {
        this(source, target, confirmTarget, skipAnonymizers, riskAcknowledgement, media, allowMediaDeletes, null);
    }
}
