"""Plugins discovered through entry points: exporters, notifiers, judges, predicates."""
