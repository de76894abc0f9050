-- AlterTable
ALTER TABLE "Rep" ADD COLUMN     "awaySince" TIMESTAMP(3),
ADD COLUMN     "slackTimezone" TEXT,
ADD COLUMN     "statusAway" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "statusSince" TIMESTAMP(3),
ADD COLUMN     "statusText" TEXT,
ADD COLUMN     "statusUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "TeamMember" ADD COLUMN     "dailyCap" INTEGER,
ADD COLUMN     "weeklyCap" INTEGER;

-- CreateTable
CREATE TABLE "Assignment" (
    "id" UUID NOT NULL,
    "repId" UUID NOT NULL,
    "teamId" UUID NOT NULL,
    "leadId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "creditedAt" TIMESTAMP(3),
    "creditReason" TEXT,

    CONSTRAINT "Assignment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Assignment_repId_at_idx" ON "Assignment"("repId", "at");

-- CreateIndex
CREATE INDEX "Assignment_leadId_at_idx" ON "Assignment"("leadId", "at");

-- CreateIndex
CREATE INDEX "Assignment_teamId_at_idx" ON "Assignment"("teamId", "at");

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_repId_fkey" FOREIGN KEY ("repId") REFERENCES "Rep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_leadId_fkey" FOREIGN KEY ("leadId") REFERENCES "Lead"("id") ON DELETE CASCADE ON UPDATE CASCADE;
