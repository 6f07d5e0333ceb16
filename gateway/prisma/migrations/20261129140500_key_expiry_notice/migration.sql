-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expiry_notice_for" TIMESTAMPTZ(3);
