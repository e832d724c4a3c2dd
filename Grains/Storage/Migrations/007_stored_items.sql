-- The names of what each tenant stores, for the list routes (GET /v1/templates, /v1/merchants, /v1/users): Orleans'
-- grain state cannot be enumerated by tenant. The storing grains add a row before their first write and remove it
-- after their delete (Grains/Tenants/StoredItemPlace.cs), so a crash between the two can leave a row whose item is
-- not stored; the list then shows a name whose GET is 404 until it is stored or deleted.
CREATE TABLE IF NOT EXISTS stored_items
(
    tenant_id text NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('templates', 'webhook-endpoints', 'users')),
    -- "C": byte order, the order the API lists in (as in memory), whatever the database's locale.
    name      text COLLATE "C" NOT NULL,
    CONSTRAINT stored_items_pk PRIMARY KEY (tenant_id, kind, name)
);

-- Backfill what was stored before this table existed, from Orleans' grain storage (005): rows are keyed by state name,
-- the string grain key "{tenantId}/{name}" is the key extension, a cleared row has a NULL payload, and payloads are
-- camelCase System.Text.Json. Rows of every Orleans service id in the database are read: the product's other tables
-- do not tell services apart either.
CREATE OR REPLACE FUNCTION pg_temp.stored_state(payload bytea) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
    RETURN convert_from(payload, 'UTF8')::jsonb;
EXCEPTION WHEN character_not_in_repertoire OR invalid_text_representation OR untranslatable_character THEN
    -- Not JSON (no writer of such payloads is known): the row is left out rather than stopping every silo's start.
    RETURN NULL;
END
$f$;

INSERT INTO stored_items (tenant_id, kind, name)
SELECT split_part(s.grain_id_extension, '/', 1),
       k.kind,
       substr(s.grain_id_extension, strpos(s.grain_id_extension, '/') + 1)
FROM orleans_grain_state AS s
JOIN (VALUES ('template', 'templates'), ('merchant-endpoint', 'webhook-endpoints'), ('user', 'users')) AS k (state_name, kind)
    ON k.state_name = s.state_name
CROSS JOIN LATERAL (SELECT pg_temp.stored_state(s.payload) AS state) AS p
WHERE s.payload IS NOT NULL
  AND strpos(s.grain_id_extension, '/') > 1
  AND CASE k.kind
          -- A template whose last variant was deleted is written with no variants, not cleared.
          WHEN 'templates' THEN jsonb_typeof(p.state -> 'variants') = 'object' AND p.state -> 'variants' <> '{}'::jsonb
          WHEN 'webhook-endpoints' THEN p.state -> 'exists' = 'true'::jsonb
          -- A user's state is also written when a send is admitted; only stored preferences make a listed user:
          -- counted in the quota, or (preferences set before the quota counted them) any part of them present.
          ELSE p.state -> 'countedInQuota' = 'true'::jsonb
               OR jsonb_typeof(p.state -> 'preferences' -> 'channels') = 'object'
               OR jsonb_typeof(p.state -> 'preferences' -> 'types') = 'object'
               OR jsonb_typeof(p.state -> 'preferences' -> 'quietHours') = 'object'
      END
ON CONFLICT DO NOTHING;

DROP FUNCTION pg_temp.stored_state(bytea);
