"""Recovery: the intent ledger, resume, complete, rewind, status, trace, verify-result, coverage, reap."""
