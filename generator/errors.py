"""Problems as data, and the exit codes the CLI maps outcomes to.

Stages return `Invalid` findings (a field path and a message about one object); the pipeline
attaches the source file, line and object and raises one `ProblemsFound` with all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_CHANGES = 1  # diff/check found changes, like `git diff --exit-code`
EXIT_INVALID = 2  # invalid input or usage
EXIT_INTERNAL = 3  # a bug in kserve-gitops
EXIT_INTERRUPTED = 130

# The message of a required field that is missing, as the schema checks and the API server's
# rules in code say it (callers compare with it to tell that refusal from others).
REQUIRED = "required value"


def one_line(text: str) -> str:
    """`text` with every character that is not printable escaped (`\\r`, `\\x85`, `\\u202e`):
    a key or name from the input must not split a message or rewrite the terminal."""
    if text.isprintable():
        return text
    return "".join(_escaped(c) for c in text)


def _escaped(char: str) -> str:
    # Not printable: controls, line and paragraph separators, bidi overrides, unassigned.
    return char if char.isprintable() else char.encode("unicode_escape").decode("ascii")


@dataclass(frozen=True, order=True, slots=True)
class Source:
    """Where a document came from: a path as the user gave it and a 1-based line."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, order=True, slots=True)
class ObjectRef:
    """A Kubernetes object named in a message."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        name = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {name}" if self.kind else name


@dataclass(frozen=True, order=True, slots=True)
class Invalid:
    """One finding about one object: `field` is a path such as `spec.predictor.containers[0]`."""

    field: str
    message: str


_NO_OBJECT = ObjectRef("", "", "")


@dataclass(frozen=True, slots=True)
class Problem:
    """A finding a user can act on: file, line, object, field and what is wrong. Sorted by
    file and line, then those about no object first (None does not compare with an object)."""

    source: Source
    obj: ObjectRef | None
    field: str
    message: str

    def __lt__(self, other: Problem) -> bool:
        return _problem_key(self) < _problem_key(other)

    def __str__(self) -> str:
        parts = [str(self.source)]
        if self.obj is not None:
            parts.append(str(self.obj))
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return one_line(": ".join(parts))


@dataclass(frozen=True, slots=True)
class Notice:
    """Something worth saying on stderr that does not stop the run; sorted as problems are."""

    source: Source
    obj: ObjectRef | None
    message: str

    def __lt__(self, other: Notice) -> bool:
        return _notice_key(self) < _notice_key(other)

    def __str__(self) -> str:
        where = f"{self.source}: {self.obj}" if self.obj else str(self.source)
        return one_line(f"warning: {where}: {self.message}")


def _problem_key(p: Problem) -> tuple[Source, bool, ObjectRef, str, str]:
    return p.source, p.obj is not None, p.obj or _NO_OBJECT, p.field, p.message


def _notice_key(n: Notice) -> tuple[Source, bool, ObjectRef, str]:
    return n.source, n.obj is not None, n.obj or _NO_OBJECT, n.message


class ProblemsFound(Exception):
    """Raised once, by the pipeline, with every problem of the input set."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} problem(s)")


class InternalError(Exception):
    """A bug in kserve-gitops (exit 3), as opposed to bad input (exit 2)."""


def field_path(*parts: str | int) -> str:
    """Join path parts as `a.b[0].c`, the spelling used in every message."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = part
    return out
