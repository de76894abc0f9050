-- DropIndex
DROP INDEX "Lead_offeredToId_idx";

-- DropIndex
DROP INDEX "Lead_ownerId_status_idx";

-- DropIndex
DROP INDEX "Lead_qualifiedAt_idx";

-- DropIndex
DROP INDEX "Lead_resurfaceAt_idx";

-- DropIndex
DROP INDEX "Lead_slaDueAt_idx";

-- DropIndex
DROP INDEX "Lead_teamId_qualifiedAt_idx";

-- CreateIndex
CREATE INDEX "Lead_ownerId_status_idx" ON "Lead"("ownerId", "status") WHERE ("ownerId" IS NOT NULL);

-- CreateIndex
CREATE INDEX "Lead_offeredToId_idx" ON "Lead"("offeredToId") WHERE ("offeredToId" IS NOT NULL);

-- CreateIndex
CREATE INDEX "Lead_slaDueAt_idx" ON "Lead"("slaDueAt") WHERE ("slaDueAt" IS NOT NULL);

-- CreateIndex
CREATE INDEX "Lead_resurfaceAt_idx" ON "Lead"("resurfaceAt") WHERE ("resurfaceAt" IS NOT NULL);

-- CreateIndex
CREATE INDEX "Lead_qualifiedAt_idx" ON "Lead"("qualifiedAt") WHERE ("qualifiedAt" IS NOT NULL);

-- CreateIndex
CREATE INDEX "Lead_teamId_qualifiedAt_idx" ON "Lead"("teamId", "qualifiedAt") WHERE ("qualifiedAt" IS NOT NULL);
