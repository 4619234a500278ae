package io.restage.orchestrator.saga;

public enum StepStatus { PENDING, RUNNING, DONE, FAILED, SKIPPED, COMPENSATING, COMPENSATED, COMPENSATION_FAILED }
