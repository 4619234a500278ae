-- Bucket versioning: the version a refresh's copy wrote to a key it added (the first, if a retried copy wrote it again).
-- Its undo deletes that version and any above it, so the key is as absent as before, with no copy left behind as a
-- noncurrent version. Null: the undo removes the key with a plain delete.
alter table media_journal add column if not exists written_version text;
