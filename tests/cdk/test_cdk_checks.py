"""cdk-nag (AwsSolutions) and cfn-lint on the synthesized app."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cdk import settings
from cdk.principals import IDENTITY_READS_WILDCARD_REASON

# aws_cdk (a node process), cdk_nag and cfnlint are imported by the tests that use them, so
# collecting this file is cheap (every pytest-xdist worker collects every file)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

NAMED = {"githubOwner": "octo-org", "githubRepository": "octo-repo"}
CONTEXTS = {
    "create": NAMED,
    "import": {
        **NAMED,
        "oidcProviderArn": f"arn:aws:iam::{settings.LOCAL_AWS_ACCOUNT_ID}:oidc-provider/"
        f"{settings.GITHUB_OIDC_PROVIDER_HOST}",
        "githubBranches": "main",
        "githubOwnerId": "1",
        "githubRepositoryId": "2",
    },
}


@pytest.fixture(scope="module", params=sorted(CONTEXTS))
def assembly(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app synthesized with cdk-nag on (it raises on any unacknowledged finding)."""
    from cdk.app import build_app

    outdir = tmp_path_factory.mktemp(f"cdk-out-{request.param}")
    app, _stack = build_app(context=CONTEXTS[request.param], outdir=str(outdir), nag=True)
    app.synth()
    return outdir


def _template_path(outdir: Path) -> Path:
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
    assert len(stacks) == 1
    return outdir / stacks[0]["properties"]["templateFile"]


def _acknowledgements(outdir: Path) -> dict[str, dict[str, str]]:
    """Construct path -> {rule id: reason} from the assembly's metadata."""
    found: dict[str, dict[str, str]] = {}
    for metadata_file in outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    found.setdefault(path, {}).update(entry["data"])
    return found


class TestCdkNag:
    def test_no_unacknowledged_findings(self, assembly: Path) -> None:
        """Synthesis with AwsSolutions passed and the validation report lists no violation."""
        report = json.loads((assembly / "validation-report.json").read_text())
        violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
        assert violations == []

    def test_each_acknowledgement_has_its_reason(self, assembly: Path) -> None:
        """Only the identity-read wildcard is acknowledged, on the three principals, with reason."""
        acks = _acknowledgements(assembly)
        assert sorted(acks) == [
            "/ProjectStack/CiRole/Role",
            "/ProjectStack/TestPrincipals/Role",
            "/ProjectStack/TestPrincipals/User",
        ]
        for rules in acks.values():
            assert list(rules) == ["Annotation::AwsSolutions-IAM5[Resource::*]"]
            assert list(rules.values()) == [IDENTITY_READS_WILDCARD_REASON]
            assert len(IDENTITY_READS_WILDCARD_REASON) > 40

    def test_nag_does_fail_on_an_unacknowledged_wildcard(self, tmp_path: Path) -> None:
        """The same checks reject a wildcard policy nobody acknowledged (the gate is live)."""
        from aws_cdk import App, Stack, Validations
        from aws_cdk import aws_iam as iam
        from cdk_nag import AwsSolutionsChecks

        app = App(analytics_reporting=False, outdir=str(tmp_path))
        stack = Stack(app, "Probe")
        user = iam.User(stack, "User")
        user.add_to_principal_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        with pytest.raises(RuntimeError, match=r"(?s)ValidationFailed.*AwsSolutions-IAM5"):
            app.synth()


class TestCfnLint:
    def test_no_errors_or_warnings(self, assembly: Path) -> None:
        """cfn-lint finds no error, warning or informational issue in the template."""
        from cfnlint.api import ManualArgs, lint

        template = _template_path(assembly).read_text()
        matches: list[Any] = lint(
            template,
            config=ManualArgs(regions=[settings.AWS_REGION], include_checks=["I"]),
        )
        assert [f"{m.rule.id} {m.message}" for m in matches] == []

    def test_lint_is_live(self) -> None:
        """cfn-lint does report a broken template (so an empty result means something)."""
        from cfnlint.api import ManualArgs, lint

        broken = json.dumps(
            {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"Nope": 1}}}}
        )
        assert lint(broken, config=ManualArgs(regions=[settings.AWS_REGION]))


class TestSynthSession:
    def test_synth_reads_the_context_of_cdk_json(self, tmp_path: Path) -> None:
        """`nox -s synth` honours cdk.json's context, as `cdk deploy` does."""
        import json

        from cdk.deploy import synth

        (tmp_path / "cdk").mkdir()
        (tmp_path / "cdk" / "cdk.json").write_text(
            json.dumps(
                {
                    "app": "python app.py",
                    "context": {**NAMED, "githubBranches": ["main"], "githubAcceptNameForm": True},
                }
            )
        )
        outdir = synth(project_dir=tmp_path, environ={}, log=lambda _message: None)
        templates = list(outdir.glob("*.template.json"))
        assert len(templates) == 1
        text = templates[0].read_text()
        assert "ref:refs/heads/main" in text
        assert ":*" not in text.replace("arn:aws", "")  # the repository-wide pattern is gone
