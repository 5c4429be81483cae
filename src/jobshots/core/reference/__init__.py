"""Reference data: the statuses, priorities, types, payment statuses, time ranges, addresses
and document types a company's jobs are described with."""
