-- workflow schema v1: the job queue and the per-stage results (CONTRACTS §4).
-- The worker owns these tables; the Api inserts pending jobs and reads both tables, nothing else.

CREATE TABLE workflow.jobs (
    id               uuid        PRIMARY KEY,
    post_id          uuid        NOT NULL,
    post_version     int         NOT NULL,
    payload          jsonb       NOT NULL,
    medical_category text        NOT NULL,
    state            text        NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'running', 'completed', 'dead_letter')),
    attempts         int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    available_at     timestamptz NOT NULL DEFAULT now(),
    lease_owner      text        NULL,
    lease_expires_at timestamptz NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz NULL,
    completed_at     timestamptz NULL,
    outcome          text        NULL CHECK (outcome IN ('approved', 'changes_requested')),
    last_error       text        NULL,
    CONSTRAINT jobs_completed_has_outcome CHECK ((state = 'completed') = (outcome IS NOT NULL)),
    CONSTRAINT jobs_running_has_lease CHECK (state <> 'running' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- The claim query: pending jobs that are due, oldest first; and running jobs whose lease expired.
CREATE INDEX jobs_pending_due ON workflow.jobs (available_at) WHERE state = 'pending';
CREATE INDEX jobs_running_lease ON workflow.jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_dead_letters ON workflow.jobs (completed_at) WHERE state = 'dead_letter';
CREATE INDEX jobs_post ON workflow.jobs (post_id, post_version);

CREATE TABLE workflow.stage_results (
    job_id           uuid             NOT NULL REFERENCES workflow.jobs (id) ON DELETE CASCADE,
    stage            text             NOT NULL CHECK (stage IN ('lgpd', 'medical', 'cfm') OR stage LIKE 'plugin:%'),
    result           text             NOT NULL CHECK (result IN ('pass', 'fail', 'error', 'skipped')),
    findings         jsonb            NOT NULL DEFAULT '[]'::jsonb,
    duration_seconds double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, stage)
);

-- Wake idle workers the moment the Api inserts a job (they also poll as a fallback).
CREATE FUNCTION workflow.notify_new_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('workflow_jobs', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_notify_new AFTER INSERT ON workflow.jobs
    FOR EACH STATEMENT EXECUTE FUNCTION workflow.notify_new_jobs();

-- Every state change of a job (and every new attempt: a reclaimed lease) is announced on workflow_progress with the job id, whoever makes it,
-- so the Api reacts at once (it polls every 2 s as a fallback). Notifications are sent at commit.
CREATE FUNCTION workflow.notify_progress() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('workflow_progress', NEW.id::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_notify_progress AFTER UPDATE OF state, attempts ON workflow.jobs
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.attempts IS DISTINCT FROM NEW.attempts)
    EXECUTE FUNCTION workflow.notify_progress();
