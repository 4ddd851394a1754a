"""Vulnerability intelligence: feeds imported from files, matched against the ledger, findings with a workflow."""
