-- Nothing on SQLite: the change feed's triggers exist on PostgreSQL only (see
-- migrations/postgres/0015_change_feed_client_scopes.sql and 0009_change_feed.sql).
SELECT 1;
