-- CreateTable
CREATE TABLE "CrmRecord" (
    "key" TEXT NOT NULL,
    "crm" TEXT NOT NULL,
    "objectId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CrmRecord_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "Lead_externalIds_idx" ON "Lead" USING GIN ("externalIds" jsonb_path_ops);
