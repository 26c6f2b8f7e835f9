-- The change feed, as on PostgreSQL (see migrations/postgres/0009_change_feed.sql): a row
-- per change another instance on the same database may hold in memory. SQLite serves
-- one process, which applies its own changes to its caches as it makes them, so nothing
-- writes or reads this table on SQLite; it exists so that both engines have the same
-- tables at the same migration number.
CREATE TABLE change_feed (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    origin     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    realm_id   TEXT,
    realm_name TEXT,
    subject    TEXT,
    detail     TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX change_feed_created ON change_feed (created_ms);
