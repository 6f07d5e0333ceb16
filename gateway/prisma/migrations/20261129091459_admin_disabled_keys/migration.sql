-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "disabled_by_admin" BOOLEAN NOT NULL DEFAULT false;
