"""The certifying body's office: processes a body runs about its certificate holders
(complaints and their investigation, findings, corrective action and appeals), written
to the append-only ledger and timed by the trainee's profile."""
