-- CreateEnum
CREATE TYPE "InstantRequestStatus" AS ENUM ('PENDING', 'ACCEPTED', 'REJECTED', 'CANCELLED', 'EXPIRED');

-- AlterTable
ALTER TABLE "Slot" ADD COLUMN     "instant" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "InterviewParticipant" ADD COLUMN     "lastReadAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastReadMessageId" UUID,
ADD COLUMN     "noShow" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "Message" (
    "id" UUID NOT NULL,
    "interviewId" UUID NOT NULL,
    "senderId" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "editedAt" TIMESTAMPTZ(3),
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Feedback" (
    "id" UUID NOT NULL,
    "interviewId" UUID NOT NULL,
    "authorId" UUID NOT NULL,
    "subjectId" UUID NOT NULL,
    "communication" INTEGER NOT NULL,
    "technical" INTEGER,
    "problemSolving" INTEGER,
    "goodMatch" INTEGER NOT NULL,
    "wouldPass" BOOLEAN,
    "strengths" TEXT,
    "improvements" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Feedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InstantRequest" (
    "id" UUID NOT NULL,
    "requesterId" UUID NOT NULL,
    "addresseeId" UUID NOT NULL,
    "type" "InterviewType" NOT NULL,
    "difficulty" "Difficulty" NOT NULL,
    "status" "InstantRequestStatus" NOT NULL DEFAULT 'PENDING',
    "reason" TEXT,
    "interviewId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "respondedAt" TIMESTAMPTZ(3),

    CONSTRAINT "InstantRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Message_interviewId_createdAt_idx" ON "Message"("interviewId", "createdAt");

-- CreateIndex
CREATE INDEX "Feedback_subjectId_idx" ON "Feedback"("subjectId");

-- CreateIndex
CREATE UNIQUE INDEX "Feedback_interviewId_authorId_key" ON "Feedback"("interviewId", "authorId");

-- CreateIndex
CREATE UNIQUE INDEX "InstantRequest_interviewId_key" ON "InstantRequest"("interviewId");

-- CreateIndex
CREATE INDEX "InstantRequest_requesterId_createdAt_idx" ON "InstantRequest"("requesterId", "createdAt");

-- CreateIndex
CREATE INDEX "InstantRequest_addresseeId_status_idx" ON "InstantRequest"("addresseeId", "status");

-- CreateIndex
CREATE INDEX "InstantRequest_status_expiresAt_idx" ON "InstantRequest"("status", "expiresAt");

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_interviewId_fkey" FOREIGN KEY ("interviewId") REFERENCES "Interview"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_senderId_fkey" FOREIGN KEY ("senderId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_interviewId_fkey" FOREIGN KEY ("interviewId") REFERENCES "Interview"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstantRequest" ADD CONSTRAINT "InstantRequest_requesterId_fkey" FOREIGN KEY ("requesterId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstantRequest" ADD CONSTRAINT "InstantRequest_addresseeId_fkey" FOREIGN KEY ("addresseeId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstantRequest" ADD CONSTRAINT "InstantRequest_interviewId_fkey" FOREIGN KEY ("interviewId") REFERENCES "Interview"("id") ON DELETE SET NULL ON UPDATE CASCADE;

