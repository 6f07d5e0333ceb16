-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "allowed_ips" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "previous_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "previous_key_hash" TEXT,
ADD COLUMN     "previous_last_used_at" TIMESTAMPTZ(3),
ADD COLUMN     "previous_start" TEXT,
ADD COLUMN     "restricted_by_admin" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "scopes" JSONB;

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_previous_key_hash_key" ON "api_keys"("previous_key_hash");
