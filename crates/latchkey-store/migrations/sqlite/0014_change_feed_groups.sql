-- Nothing on SQLite: the change feed's triggers exist on PostgreSQL only (see
-- migrations/postgres/0014_change_feed_groups.sql and 0009_change_feed.sql).
SELECT 1;
