"""``$GITHUB_ENV``/``$GITHUB_OUTPUT``/``$GITHUB_PATH`` files and ``::workflow commands::``."""

from __future__ import annotations

import pytest

from rehearsal.errors import WorkflowFileError
from rehearsal.runner_files import Masker, WorkflowCommands, read_key_values, read_paths


class TestFiles:
    def test_plain_and_heredoc_values(self) -> None:
        """NAME=value lines and NAME<<DELIM blocks give their values in order."""
        text = "A=1\nB=x=y\n\nNOTE<<EOF\nline one\nline two\nEOF\nC=\n"
        assert read_key_values(text, label="$GITHUB_OUTPUT") == [
            ("A", "1"),
            ("B", "x=y"),
            ("NOTE", "line one\nline two"),
            ("C", ""),
        ]

    def test_an_unclosed_heredoc_names_the_variable_and_delimiter(self) -> None:
        """A heredoc without its closing line is an error saying which, not a silent value."""
        with pytest.raises(
            WorkflowFileError, match=r"\$GITHUB_ENV: no line 'EOF' closes .*'MULTI'"
        ):
            read_key_values("MULTI<<EOF\none\n", label="$GITHUB_ENV")

    def test_malformed_lines_are_errors(self) -> None:
        """A line that is neither form, or has no name, is refused."""
        with pytest.raises(WorkflowFileError, match="neither NAME=value nor NAME<<EOF"):
            read_key_values("just words\n", label="$GITHUB_ENV")
        with pytest.raises(WorkflowFileError, match="empty name"):
            read_key_values("=value\n", label="$GITHUB_ENV")

    def test_paths(self) -> None:
        """``$GITHUB_PATH`` holds one directory a line; blank lines are ignored."""
        assert read_paths("/a\n\n /b \n") == ["/a", "/b"]


class TestCommands:
    def test_add_mask_hides_the_value_and_its_lines(self) -> None:
        """After ::add-mask:: the value, and each line of a multi-line value, print as ***."""
        masker = Masker()
        commands = WorkflowCommands(masker)
        assert commands.line("::add-mask::top%0Asecret%25").text is None
        assert masker.apply("a top secret% b") == "a *** *** b"
        assert masker.apply("topsecret%") == "******"
        assert masker.replacements == 4

    def test_annotations_and_groups(self) -> None:
        """error/warning/notice become annotations; group titles print, endgroup does not."""
        commands = WorkflowCommands(Masker())
        assert commands.line("::error file=a.py::broken").text == "Error: broken"
        assert commands.line("::group::Install").text == "▸ Install"
        assert commands.line("::endgroup::").text is None
        assert commands.annotations == [("error", "broken")]

    def test_stop_commands(self) -> None:
        """Between ::stop-commands::TOKEN and ::TOKEN:: commands are printed, not obeyed."""
        masker = Masker()
        commands = WorkflowCommands(masker)
        commands.line("::stop-commands::pause-1")
        assert commands.line("::add-mask::visible").text == "::add-mask::visible"
        commands.line("::pause-1::")
        commands.line("::add-mask::hidden")
        assert masker.apply("visible hidden") == "visible ***"

    def test_disabled_and_deprecated_commands(self) -> None:
        """set-env fails the step as on GitHub; set-output still works, with a warning."""
        commands = WorkflowCommands(Masker())
        assert "GITHUB_ENV" in (commands.line("::set-env name=A::1").error or "")
        assert commands.line("::set-output name=key::value").output == ("key", "value")
        assert commands.annotations[-1][0] == "warning"
