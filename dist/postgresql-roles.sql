-- dist/postgresql-roles.sql - the roles of a PostgreSQL catalog
-- (docs/DEPLOY.md).  Run by the catalog's owner (the role that ran
-- 'bodycam init'), after init, with psql:
--
--   psql -v ON_ERROR_STOP=1 -v service=bodycam_service \
--        -v reader=bodycam_reader -d 'postgresql:///bodycam?...' \
--        -f dist/postgresql-roles.sql
--
-- The roles must exist (CREATE ROLE ... LOGIN, by a superuser or a role
-- with CREATEROLE).  What each may do:
--
--   owner    owns the tables and triggers; used for init, upgrades and
--            'bodycam migrate', never by the service.
--   service  what 'bodycam serve' and the operators' CLI connect as:
--            SELECT and INSERT on every table; UPDATE only where bodycam
--            itself updates (a token's revoked column; the derived views
--            and status rows, which audit recomputes); no DELETE, no
--            TRUNCATE, no DDL, so that it can neither rewrite nor remove
--            a record, nor drop or disable the append-only triggers
--            (only the owner may).
--   reader   SELECT only: list, show, verify, audit, prove, report.
--
-- Append-only holds for the owner too (the triggers refuse UPDATE, DELETE
-- and TRUNCATE of records); an owner who disables them is the insider
-- that verify and audit exist for.

REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO :"service", :"reader";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"service", :"reader";
GRANT INSERT ON meta, items, events, keydocs, nodes, checkpoints, tokens,
    releases, views, policies, status, cosignatures, timestamps
    TO :"service";
GRANT UPDATE (revoked) ON tokens TO :"service";
GRANT UPDATE ON views, status TO :"service";
