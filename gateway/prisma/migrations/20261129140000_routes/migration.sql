-- CreateTable
CREATE TABLE "routes" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "targets" TEXT[],
    "timeout_ms" INTEGER,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "strip_prefix" BOOLEAN NOT NULL DEFAULT true,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "cost" INTEGER NOT NULL DEFAULT 1,
    "eject_after_failures" INTEGER NOT NULL DEFAULT 3,
    "eject_cooldown_ms" INTEGER NOT NULL DEFAULT 30000,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "routes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "routes_name_key" ON "routes"("name");

-- CreateIndex
CREATE UNIQUE INDEX "routes_prefix_key" ON "routes"("prefix");
