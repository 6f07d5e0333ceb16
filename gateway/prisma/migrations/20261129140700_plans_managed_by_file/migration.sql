-- AlterTable
ALTER TABLE "plans" ADD COLUMN     "managed_by_file" BOOLEAN NOT NULL DEFAULT false;
