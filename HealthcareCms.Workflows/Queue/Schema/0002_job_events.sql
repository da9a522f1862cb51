-- workflow schema v2: an append-only history of every job transition (claimed, completed,
-- retry_scheduled, dead_lettered, released), written in the same statement as the transition.
-- Operators read it to see why a job was retried; tests read it to prove a job completed exactly once.

CREATE TABLE workflow.job_events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id     uuid        NOT NULL REFERENCES workflow.jobs (id) ON DELETE CASCADE,
    attempt    int         NOT NULL,
    event      text        NOT NULL CHECK (event IN ('claimed', 'completed', 'retry_scheduled', 'dead_lettered', 'released')),
    worker     text        NOT NULL,
    detail     text        NULL,
    at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX job_events_job ON workflow.job_events (job_id, id);
