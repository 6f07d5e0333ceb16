-- Least-privilege database roles for the gateway: a migrator that owns the schema (DDL: the migration
-- step, `npm run db:migrate`) and a runtime role with data access only (the gateway itself). Run it
-- once per database, as a superuser or your provider's admin user (RDS: the master user), connected to
-- the gateway's database, before the first migration:
--
--   psql "postgres://admin@db.example.internal:5432/gateway?sslmode=verify-full&sslrootcert=ca.pem" \
--     -v ON_ERROR_STOP=1 -v migrator=gateway_migrator -v runtime=gateway_app -f deploy/db-roles.sql
--   psql … -c '\password gateway_migrator'   # and gateway_app: typed at a prompt, never in history
--
-- Then the migration step's DATABASE_URL names the migrator, the gateway's names the runtime role,
-- and the gateway runs with MIGRATE_ON_START=false (README: "Database roles"). Safe to run again.
--
-- What the runtime role cannot do: create, alter or drop tables, functions or anything else; truncate.
-- The daily usage partitions its maintenance needs go through two SECURITY DEFINER functions owned by
-- the migrator (usage_ensure_partition, usage_drop_partition) that create or drop those and nothing else.

\set ON_ERROR_STOP on
\if :{?migrator}
\else
  \set migrator gateway_migrator
\endif
\if :{?runtime}
\else
  \set runtime gateway_app
\endif

-- 1. The roles (login, no password yet; no superuser, no CREATEDB, no CREATEROLE).
SELECT format('CREATE ROLE %I LOGIN', :'migrator')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'migrator') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'runtime')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime') \gexec
-- ALTER DEFAULT PRIVILEGES FOR ROLE below needs the user running this to be a member of the migrator
-- (an RDS master user is not a superuser).
SELECT format('GRANT %I TO CURRENT_USER', :'migrator')
 WHERE NOT pg_has_role(CURRENT_USER, :'migrator', 'USAGE') \gexec

-- 2. The database and its schema: both may connect; only the migrator creates objects. PostgreSQL 15+
-- no longer lets PUBLIC create in `public`; older versions did, so it is revoked here either way.
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I, %I', current_database(), :'migrator', :'runtime') \gexec
SELECT format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', current_schema()) \gexec
SELECT format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', current_schema(), :'migrator') \gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), :'runtime') \gexec

-- 3. Everything the migrator creates from now on (tables, the partitions its functions create,
-- sequences, functions): data access and EXECUTE for the runtime role, never ownership.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
              :'migrator', current_schema(), :'runtime') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I',
              :'migrator', current_schema(), :'runtime') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT EXECUTE ON FUNCTIONS TO %I',
              :'migrator', current_schema(), :'runtime') \gexec

-- 4. What already exists (this script run again, or after the migrator migrated): the same grants.
-- A database migrated earlier by another role needs `REASSIGN OWNED BY <that role> TO <migrator>` first.
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', current_schema(), :'runtime') \gexec
SELECT format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), :'runtime') \gexec
SELECT format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', current_schema(), :'runtime') \gexec
