"""What the rehearsal tests share: the fixture workflows, the role variable, a workflow file."""

from __future__ import annotations

from pathlib import Path

#: The fixture workflows (``tests/rehearsal/workflows``).
FIXTURES = Path(__file__).resolve().parent / "workflows"
#: The repository variable of the stack, for rehearsals without AWS.
ROLE = {"AWS_ROLE_ARN": "arn:aws:iam::000000000000:role/ci"}


def write(tmp_path: Path, text: str) -> Path:
    """A workflow file with ``text``."""
    path = tmp_path / "w.yml"
    path.write_text(text)
    return path
