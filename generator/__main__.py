"""`python -m generator` runs the CLI."""

from generator.entry import main

main()
