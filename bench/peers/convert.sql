-- Copies the peers' dataset (schema "news", from shared/peers/sql/generate.sql) into
-- newsgraph's tables (schema "public", already migrated), keeping every row id, so the same
-- ids and variables address the same rows in both systems.
-- Mapping: person.country and article.lang have no counterpart; statements are QUOTEs said on
-- the day of stated_at (the peers order by the timestamp, newsgraph by the day, then id);
-- casualty reporters (free text) become organizations; 'detained' becomes AFFECTED and
-- 'combatant' MILITARY; other populations (children, journalists, aid workers) CIVILIAN.
BEGIN;
INSERT INTO location (id, name, name_norm, kind, latitude, longitude, parent_id)
SELECT id, name, lower(name), upper(kind), lat, lon, parent_id FROM news.location ORDER BY id;
SELECT setval(pg_get_serial_sequence('location', 'id'), (SELECT max(id) FROM location));
INSERT INTO location_closure (ancestor_id, descendant_id, depth) SELECT id, id, 0 FROM location;
WITH RECURSIVE up(descendant_id, ancestor_id, depth) AS (
  SELECT id, parent_id, 1 FROM location WHERE parent_id IS NOT NULL
  UNION ALL
  SELECT up.descendant_id, l.parent_id, up.depth + 1 FROM up JOIN location l ON l.id = up.ancestor_id WHERE l.parent_id IS NOT NULL)
INSERT INTO location_closure (ancestor_id, descendant_id, depth) SELECT ancestor_id, descendant_id, depth FROM up;

INSERT INTO person (id, name, name_norm, role) SELECT id, name, lower(name), role FROM news.person ORDER BY id;
SELECT setval(pg_get_serial_sequence('person', 'id'), (SELECT max(id) FROM person));

INSERT INTO organization (name, name_norm, kind)
SELECT DISTINCT reported_by, lower(reported_by), 'reporter' FROM news.casualty ORDER BY 1;

INSERT INTO article (id, url, title, body, source, published_at, ingested_at)
SELECT id, url, title, body, source, published_at, published_at FROM news.article ORDER BY id;
SELECT setval(pg_get_serial_sequence('article', 'id'), (SELECT max(id) FROM article));
INSERT INTO article_person (article_id, person_id) SELECT article_id, person_id FROM news.article_person;
INSERT INTO article_location (article_id, location_id) SELECT article_id, location_id FROM news.article_location;

INSERT INTO statement (id, article_id, position, text, kind, speaker_person_id, said_at)
SELECT id, article_id, (row_number() OVER (PARTITION BY article_id ORDER BY id))::int - 1, text, 'QUOTE', speaker_id, stated_at::date
FROM news.statement ORDER BY id;
SELECT setval(pg_get_serial_sequence('statement', 'id'), (SELECT max(id) FROM statement));

INSERT INTO casualty (id, article_id, position, category, population, count_min, count_max, qualifier, as_of, location_id, reported_by_organization_id)
SELECT c.id, c.article_id, (row_number() OVER (PARTITION BY c.article_id ORDER BY c.id))::int - 1,
       CASE c.category WHEN 'detained' THEN 'AFFECTED' ELSE upper(c.category) END,
       CASE c.population WHEN 'combatant' THEN 'MILITARY' WHEN 'unknown' THEN 'UNKNOWN' ELSE 'CIVILIAN' END,
       c.count_min, c.count_max, CASE WHEN c.count_min = c.count_max THEN 'EXACT' ELSE 'RANGE' END,
       c.as_of, c.location_id, o.id
FROM news.casualty c JOIN organization o ON o.name = c.reported_by
WHERE c.article_id IS NOT NULL
ORDER BY c.id;
SELECT setval(pg_get_serial_sequence('casualty', 'id'), (SELECT max(id) FROM casualty));
COMMIT;
ANALYZE;
