"""The append-only ledger: trainees, hours, exam results, certificate events, progress.

Nothing here updates or deletes a row: corrections, verification and discipline are new
rows that reference old ones (database triggers refuse UPDATE and DELETE as well).
"""
