-- API keys may expire: a key past its expires_at is refused like a revoked one. NULL never expires.
ALTER TABLE "gateway_api_keys" ADD COLUMN IF NOT EXISTS "expires_at" TIMESTAMPTZ(6);
