"""Reports to the drug regulators and their delivery (监管报告与报送).

The forms, routing and renderers are pure (verifiers/reports); this area keeps the rows
(reports, channels, delivery receipts, schedules), fills the forms from the database, stores the
files, and delivers them by the platform's channels with retries and receipts.
"""
