"""What the cluster holds: the InferenceService status KServe would write, and live diffs.

Everything that talks to a cluster lives here and needs the `cluster` extra (the `kubernetes`
client); the status rules themselves (isvc_status.py, observe.py) are pure and need nothing.
"""
