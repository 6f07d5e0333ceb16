-- Least-privilege database roles (deploy/db-roles.sql, issue 15 item 7): the gateway can run as a role
-- with data access only (no CREATE, DROP, ALTER), yet its usage maintenance creates and drops daily
-- partitions. Both now go through functions that run with their owner's rights (SECURITY DEFINER:
-- the role that migrates, which owns the tables) and do nothing else: create the partition of
-- usage_logs or usage_rollups for one UTC day; drop one such partition. Roles other than the owner
-- need EXECUTE granted (db-roles.sql grants it to the runtime role): PUBLIC loses it here.

-- 1. Create: as before, but only for the two partitioned usage tables.
CREATE OR REPLACE FUNCTION usage_ensure_partition(parent text, day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  name text := parent || '_p' || to_char(day, 'YYYYMMDD');
BEGIN
  IF parent IS NULL OR parent NOT IN ('usage_logs', 'usage_rollups') THEN
    RAISE EXCEPTION 'usage_ensure_partition: % is not a partitioned usage table', parent
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent,
                 (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
  RETURN true;
END
$$;

-- 2. Drop: only a daily partition (by its name's shape) that is attached to the usage table the name
-- says. Answers false when it is already gone.
CREATE FUNCTION usage_drop_partition(name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  parent text;
BEGIN
  IF name IS NULL OR name !~ '^(usage_logs|usage_rollups)_p[0-9]{8}$' THEN
    RAISE EXCEPTION 'usage_drop_partition: % is not a daily usage partition', name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT p.relname INTO parent
    FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
   WHERE i.inhrelid = to_regclass(quote_ident(name));
  IF parent IS NULL THEN
    IF to_regclass(quote_ident(name)) IS NULL THEN
      RETURN false;
    END IF;
    RAISE EXCEPTION 'usage_drop_partition: % is not attached to a usage table', name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF name NOT LIKE parent || '\_p%' THEN
    RAISE EXCEPTION 'usage_drop_partition: % is a partition of %', name, parent
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('DROP TABLE %I', name);
  RETURN true;
END
$$;

-- 3. A SECURITY DEFINER function must not find objects in a schema its caller could write to: pin
-- its search_path to the schema the migration runs in (and pg_temp last).
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION usage_ensure_partition(text, date) SET search_path = %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION usage_drop_partition(text) SET search_path = %I, pg_temp', current_schema());
END
$$;

REVOKE EXECUTE ON FUNCTION usage_ensure_partition(text, date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION usage_drop_partition(text) FROM PUBLIC;
