-- Bucket versioning: where the target keeps versions, the version an object had before the refresh overwrote or pruned
-- it (its undo deletes the versions above it) instead of a copy kept aside. Null: the copy kept aside is the backup.
alter table media_journal add column if not exists prior_version text;
