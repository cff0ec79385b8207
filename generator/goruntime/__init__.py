"""The parts of Go's standard library whose exact behaviour KServe's output depends on."""
