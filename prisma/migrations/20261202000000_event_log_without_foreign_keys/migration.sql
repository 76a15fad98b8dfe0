-- Event is a log pruned by age: its two foreign keys cost a key-share lock and a lookup per row
-- (about 40% of inserting a pairing run's 100,000 MATCHED events). storeUserEvents refuses an
-- unknown user itself (it locks every addressee first), and every interviewId stored is of an
-- interview the writing transaction has in hand. Interviews and users are never deleted by the app;
-- events that outlive a manual deletion go with the retention prune.
ALTER TABLE "Event" DROP CONSTRAINT "Event_userId_fkey";
ALTER TABLE "Event" DROP CONSTRAINT "Event_interviewId_fkey";
