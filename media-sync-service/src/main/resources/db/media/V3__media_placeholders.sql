-- The copy's placeholder and missing-key counts (media guided by the database, placeholders of personal files).
alter table media_refresh add column if not exists placeholders bigint;
alter table media_refresh add column if not exists missing bigint;
-- The prune's outcome, repeated to a duplicate command.
alter table media_refresh add column if not exists pruned bigint;
alter table media_refresh add column if not exists target_objects bigint;
alter table media_refresh add column if not exists prune_held text;
-- The undo's outcome (a refresh's bucket put back after its database), repeated to a duplicate command.
alter table media_refresh add column if not exists undo_removed bigint;
alter table media_refresh add column if not exists undo_restored bigint;
