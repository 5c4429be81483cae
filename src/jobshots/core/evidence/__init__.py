"""Evidence: the signed history chain, dispute flags, duplicates, legal hold and retention."""
