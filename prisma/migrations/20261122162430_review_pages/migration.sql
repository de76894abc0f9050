-- CreateTable
CREATE TABLE "ReviewPage" (
    "id" UUID NOT NULL,
    "channelId" TEXT NOT NULL,
    "ts" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "page" INTEGER NOT NULL,
    "pages" INTEGER NOT NULL,
    "layout" JSONB NOT NULL,
    "leadIds" UUID[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewPage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReviewPage_leadIds_idx" ON "ReviewPage" USING GIN ("leadIds");

-- CreateIndex
CREATE INDEX "ReviewPage_createdAt_idx" ON "ReviewPage"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReviewPage_channelId_ts_key" ON "ReviewPage"("channelId", "ts");
