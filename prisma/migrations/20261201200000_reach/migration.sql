-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "EventType" ADD VALUE 'SLOT_REMINDER';
ALTER TYPE "EventType" ADD VALUE 'INSTANT_REQUEST_CANCELLED';

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "emailReminders" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "emailWhenOffline" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "interviewTypes" "InterviewType"[] DEFAULT ARRAY['BEHAVIORAL', 'TECHNICAL']::"InterviewType"[],
ADD COLUMN     "level" "Difficulty",
ADD COLUMN     "timezone" TEXT NOT NULL DEFAULT 'UTC';

-- AlterTable
ALTER TABLE "EmailOutbox" ADD COLUMN     "headers" JSONB,
ADD COLUMN     "html" TEXT;

-- AlterTable
ALTER TABLE "Booking" ADD COLUMN     "remindedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "MaintenanceWindow" (
    "id" UUID NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMPTZ(3),
    "message" TEXT,
    "startedById" UUID,

    CONSTRAINT "MaintenanceWindow_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MaintenanceWindow_endedAt_idx" ON "MaintenanceWindow"("endedAt");

