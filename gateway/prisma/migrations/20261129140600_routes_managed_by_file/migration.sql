-- AlterTable
ALTER TABLE "routes" ADD COLUMN     "managed_by_file" BOOLEAN NOT NULL DEFAULT false;
