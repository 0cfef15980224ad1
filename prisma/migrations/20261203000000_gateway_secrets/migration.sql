-- Secrets of the deployment, shared by every replica: the key that signs cursors (see src/cursors.ts).
CREATE TABLE IF NOT EXISTS "gateway_secrets" (
  "name"       TEXT NOT NULL,
  "value"      TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "gateway_secrets_pkey" PRIMARY KEY ("name")
);
INSERT INTO "gateway_secrets" ("name", "value")
VALUES ('cursor', encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex'))
ON CONFLICT ("name") DO NOTHING;
