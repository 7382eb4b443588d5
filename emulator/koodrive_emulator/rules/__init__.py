"""The service's rules as plain functions and classes: no HTTP framework in here."""
