-- The change feed's triggers (0009) on the tables of migrations 0010 and 0011, which
-- do not exist yet when 0009 runs on a new database.

-- A group's place or existence changes what its members and those below hold.
CREATE TRIGGER realm_groups_feed_update AFTER UPDATE ON realm_groups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('users');
CREATE TRIGGER realm_groups_feed_delete AFTER DELETE ON realm_groups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('users');

CREATE TRIGGER user_groups_feed_insert AFTER INSERT ON user_groups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');
CREATE TRIGGER user_groups_feed_delete AFTER DELETE ON user_groups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');

-- Group role mappings: every cached user (group_roles has no realm column).
CREATE FUNCTION latchkey_feed_group_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        INSERT INTO change_feed (origin, kind) VALUES (latchkey_origin(), 'users');
        PERFORM pg_notify('latchkey_feed', '');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER group_roles_feed_insert AFTER INSERT ON group_roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_group_roles();
CREATE TRIGGER group_roles_feed_delete AFTER DELETE ON group_roles
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_group_roles();

CREATE TRIGGER user_attributes_feed_insert AFTER INSERT ON user_attributes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');
CREATE TRIGGER user_attributes_feed_delete AFTER DELETE ON user_attributes
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');

