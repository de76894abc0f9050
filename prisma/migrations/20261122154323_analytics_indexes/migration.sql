-- CreateIndex
CREATE INDEX "Lead_qualifiedAt_idx" ON "Lead"("qualifiedAt");

-- CreateIndex
CREATE INDEX "Lead_teamId_qualifiedAt_idx" ON "Lead"("teamId", "qualifiedAt");

-- CreateIndex
CREATE INDEX "SlaNotice_createdAt_idx" ON "SlaNotice"("createdAt");
