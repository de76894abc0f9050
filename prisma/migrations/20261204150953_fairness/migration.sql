-- AlterTable
ALTER TABLE "Rep" ADD COLUMN     "awaySince" TIMESTAMP(3);
