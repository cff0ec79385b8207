"""The controllers KServe runs, one room each: InferenceService, InferenceGraph, TrainedModel.

Each turns admitted objects into the children KServe would create (pkg/controller/...).
"""
