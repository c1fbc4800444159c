-- 0004_job_queue down: drop the pg queue backend's tables.
DROP TRIGGER IF EXISTS ember_job_queue_notify ON ember_job_queue;
DROP FUNCTION IF EXISTS ember_job_queue_notify();
DROP TABLE IF EXISTS ember_job_dead_letter;
DROP TABLE IF EXISTS ember_job_queue;
