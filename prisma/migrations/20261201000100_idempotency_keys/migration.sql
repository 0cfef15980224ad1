-- Responses remembered by Idempotency-Key, per organization, for a day: a retried request gets the stored
-- response of the first instead of running again. "pending" while the first is still running.
CREATE TABLE IF NOT EXISTS "gateway_idempotency_keys" (
  "organization_id" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  "request_hash" TEXT NOT NULL,
  "state" TEXT NOT NULL DEFAULT 'pending',
  "status" INTEGER,
  "content_type" TEXT,
  "body" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "expires_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "gateway_idempotency_keys_pkey" PRIMARY KEY ("organization_id", "key")
);
CREATE INDEX IF NOT EXISTS "gateway_ix_idempotency_keys_expires_at" ON "gateway_idempotency_keys" ("expires_at");
