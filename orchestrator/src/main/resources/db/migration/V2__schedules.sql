-- Scheduled refreshes (configuration schedules.<name>): what the configuration cannot hold. last_fired is the due time
-- the schedule last fired for (claimed by one orchestrator instance with a compare-and-set), paused is set from the
-- dashboard or the CLI, and the last run's refresh id or refusal is kept for both to show.
create table if not exists schedule_state (
    name            varchar(63) primary key,
    last_fired      timestamp(6) with time zone not null,
    paused          boolean                     not null default false,
    paused_by       varchar(255),
    paused_at       timestamp(6) with time zone,
    last_run_at     timestamp(6) with time zone,
    last_refresh_id varchar(255),
    last_outcome    text
);
