"""Telling the customer: the shipped and delivered e-mails, their templates, the per-channel switch and the log."""
