"""Ports of KServe's `pkg/utils` (and `pkg/validation`): helpers the webhooks and reconcilers share.

Each module mirrors one Go file, so a change upstream has one place to land here.
"""
