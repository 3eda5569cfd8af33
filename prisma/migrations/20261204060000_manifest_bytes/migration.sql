-- A 10,000-asset manifest (~9 MB of JSON) cost 150-600 ms to bind as jsonb on every registration,
-- and nothing reads it with jsonb operators: it is stored gzip-compressed (~15x smaller), and rows
-- written before keep their text as plain UTF-8 (readers tell the two apart by gzip's magic bytes).
ALTER TABLE "CodeLocationVersion" ALTER COLUMN "manifest" SET DATA TYPE BYTEA USING convert_to("manifest"::text, 'UTF8');

-- Catalog search matches the lower-cased key through "searchText" and its trigram index; nothing
-- searches "key" by substring, and maintaining its trigram index cost every registration.
DROP INDEX "AssetNode_key_trgm";
