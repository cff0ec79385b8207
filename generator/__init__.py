"""kserve-gitops: KServe v0.20.0's InferenceService controller and webhooks as a generator."""

__version__ = "0.1.0"
KSERVE_VERSION = "v0.20.0"
