"""Job documents: files (invoices, certificates, reports) attached to a job."""
