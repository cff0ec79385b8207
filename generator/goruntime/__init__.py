"""The parts of Go's standard library whose exact behaviour KServe's output depends on.

One Python home each: messages quote names as Go's `%q` does, annotations are parsed as
`strconv` parses them. Upstream KServe code that calls these lives elsewhere and imports them.
"""
