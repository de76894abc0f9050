-- AlterTable
ALTER TABLE "Lead" ADD COLUMN     "aiBrief" JSONB,
ADD COLUMN     "aiBriefAt" TIMESTAMP(3);
