"""Carrier connectors: one class per carrier kind, all speaking the contract in `base`."""
