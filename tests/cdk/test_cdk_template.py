"""The synthesized template: resources, policies, outputs, and the CI role's trust conditions."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from boto_session_manager.testing.web_identity_roles import AUD_KEY as AUD
from boto_session_manager.testing.web_identity_roles import SUB_KEY as SUB
from cdk import settings
from cdk.errors import ContextError
from cdk.github_oidc import GitHubSubjectFilter

if TYPE_CHECKING:  # aws_cdk (a node process) is imported when a test first synthesizes
    from aws_cdk.assertions import Template

OWNER, REPO = "octo-org", "octo-repo"
IMPORTED_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
#: The repository, named by context as `nox -s synth` passes it after finding it.
NAMED = {"githubOwner": OWNER, "githubRepository": REPO}
CACHE_KEY = f"github-oidc-subject:repository={OWNER}/{REPO}"


def _template(context: dict[str, Any] | None = None) -> Template:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk.assertions import Template

    from cdk.app import build_app

    _app, stack = build_app(context={**NAMED, **(context or {})}, nag=False)
    return Template.from_stack(stack)


def _cached(*, immutable: bool, keys: list[str] | None = None) -> dict[str, Any]:
    """Context as `nox -s synth` caches GitHub's answer in cdk.context.json."""
    return {
        CACHE_KEY: {"ownerId": 1001, "repositoryId": 2002, "useImmutableSubject": immutable,
                    "includeClaimKeys": keys}
    }  # fmt: skip


@pytest.fixture(scope="module")
def template() -> Template:
    """The default stack: provider created, every job of the repository trusted."""
    return _template()


@pytest.fixture(scope="module")
def imported_template() -> Template:
    """Import mode, narrowed to a branch and an environment, immutable form accepted too."""
    return _template(
        {
            "oidcProviderArn": IMPORTED_ARN,
            "githubBranches": "main",
            "githubEnvironments": "prod",
            "githubOwnerId": "1001",
            "githubRepositoryId": "2002",
        }
    )


def string_like(pattern: str, value: str) -> bool:
    """IAM ``StringLike``: ``*`` is any run of characters, ``?`` one character, all else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _resources(template: Template, type_: str) -> dict[str, Any]:
    return dict(template.find_resources(type_))


def _role(template: Template, name: str) -> dict[str, Any]:
    roles = [
        r for r in _resources(template, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == name
    ]  # fmt: skip
    assert len(roles) == 1
    return roles[0]


def _web_identity_statements(template: Template) -> Iterator[dict[str, Any]]:
    for role in _resources(template, "AWS::IAM::Role").values():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if "sts:AssumeRoleWithWebIdentity" in actions:
                yield statement


def _sub_patterns(template: Template) -> list[str]:
    patterns: list[str] = []
    for statement in _web_identity_statements(template):
        for keys in statement["Condition"].values():
            if SUB in keys:
                value = keys[SUB]
                patterns += [value] if isinstance(value, str) else list(value)
    return patterns


def _logical_id(template: Template, type_: str, name_key: str, name: str) -> str:
    for logical_id, resource in _resources(template, type_).items():
        if resource["Properties"].get(name_key) == name:
            return logical_id
    raise AssertionError(f"no {type_} named {name}")


EVIL_SUBS = [
    f"repo:{OWNER}/{REPO}-evil:ref:refs/heads/main",
    f"repo:{OWNER}/{REPO}-evil:environment:prod",
    f"repo:{OWNER}/{REPO}-evil:pull_request",
    f"repo:{OWNER}/{REPO}evil:ref:refs/heads/main",
    f"repo:{OWNER}-evil/{REPO}:ref:refs/heads/main",
    f"repo:evil/{REPO}:ref:refs/heads/main",
    f"repo:{OWNER}@1001/{REPO}-evil@2002:ref:refs/heads/main",
    f"repo:{OWNER}@1001/{REPO}@9999:ref:refs/heads/main",
    f"repo:{OWNER}@9999/{REPO}@2002:environment:prod",
    f"repo:{OWNER.lower()}x/{REPO}:ref:refs/heads/main",
    f"repo:evil@1001/{REPO}@2002:ref:refs/heads/main",
    f"repo:{OWNER}@10011/{REPO}@2002:ref:refs/heads/main",
    f"repo:{OWNER}@1001/{REPO}@20021:ref:refs/heads/main",
    f"repo:{OWNER}@1001/{REPO}@2002-evil@3:ref:refs/heads/main",
]


class TestResources:
    def test_oidc_provider_created_natively(self, template: Template) -> None:
        """Create mode makes one native AWS::IAM::OIDCProvider for GitHub with client id STS."""
        template.resource_count_is("AWS::IAM::OIDCProvider", 1)
        template.has_resource_properties(
            "AWS::IAM::OIDCProvider",
            {
                "Url": settings.GITHUB_OIDC_PROVIDER_URL,
                "ClientIdList": [settings.GITHUB_OIDC_AUDIENCE],
            },
        )
        assert not _resources(template, "Custom::AWSCDKOpenIdConnectProvider")
        assert not _resources(template, "AWS::Lambda::Function")

    def test_import_mode_references_the_given_provider(self, imported_template: Template) -> None:
        """Import mode creates no provider and trusts the given provider ARN."""
        imported_template.resource_count_is("AWS::IAM::OIDCProvider", 0)
        statements = list(_web_identity_statements(imported_template))
        assert [s["Principal"]["Federated"] for s in statements] == [IMPORTED_ARN]

    def test_user_is_programmatic_only_and_has_no_key(self, template: Template) -> None:
        """The test user has no console password, and no access key is in the template."""
        template.has_resource_properties(
            "AWS::IAM::User", {"UserName": settings.TEST_IAM_USER_NAME}
        )
        user = next(iter(_resources(template, "AWS::IAM::User").values()))
        assert "LoginProfile" not in user["Properties"]
        template.resource_count_is("AWS::IAM::AccessKey", 0)

    def test_user_policy(self, template: Template) -> None:
        """The user may read its identity and assume the test role, nothing else."""
        user_id = _logical_id(template, "AWS::IAM::User", "UserName", settings.TEST_IAM_USER_NAME)
        role_id = _logical_id(template, "AWS::IAM::Role", "RoleName", settings.TEST_IAM_ROLE_NAME)
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "Users": [{"Ref": user_id}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Action": list(settings.TEST_USER_READ_ACTIONS),
                            "Effect": "Allow",
                            "Resource": "*",
                            "Sid": "ReadOwnIdentity",
                        },
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
                            "Sid": "AssumeTestRole",
                        },
                    ],
                    "Version": "2012-10-17",
                },
            },
        )

    def test_test_role_trusts_only_user_and_ci_role(self, template: Template) -> None:
        """The test role trusts exactly the test user and the CI role, never the account."""
        user_id = _logical_id(template, "AWS::IAM::User", "UserName", settings.TEST_IAM_USER_NAME)
        ci_id = _logical_id(template, "AWS::IAM::Role", "RoleName", settings.CI_IAM_ROLE_NAME)
        role = _role(template, settings.TEST_IAM_ROLE_NAME)
        principals = [
            s["Principal"] for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        ]
        assert principals == [
            {"AWS": {"Fn::GetAtt": [user_id, "Arn"]}},
            {"AWS": {"Fn::GetAtt": [ci_id, "Arn"]}},
        ]
        assert ":root" not in str(role)

    def test_test_role_policy_is_identity_reads(self, template: Template) -> None:
        """The test role may only read its own identity."""
        from aws_cdk.assertions import Match

        role_id = _logical_id(template, "AWS::IAM::Role", "RoleName", settings.TEST_IAM_ROLE_NAME)
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "Roles": [{"Ref": role_id}],
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {"Action": list(settings.IDENTITY_READ_ACTIONS), "Resource": "*"}
                        )
                    ]
                },
            },
        )

    def test_ci_role(self, template: Template) -> None:
        """The CI role: web identity with aud and sub, one hour, reads plus AssumeRole."""
        from aws_cdk.assertions import Match

        template.has_resource_properties(
            "AWS::IAM::Role",
            {
                "RoleName": settings.CI_IAM_ROLE_NAME,
                "MaxSessionDuration": settings.CI_ROLE_MAX_SESSION_SECONDS,
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Effect": "Allow",
                            "Principal": {"Federated": Match.any_value()},
                            "Condition": {
                                "StringEquals": {AUD: settings.GITHUB_OIDC_AUDIENCE},
                                "StringLike": {SUB: [f"repo:{OWNER}/{REPO}:*"]},
                            },
                        }
                    ]
                },
            },
        )
        ci_id = _logical_id(template, "AWS::IAM::Role", "RoleName", settings.CI_IAM_ROLE_NAME)
        role_id = _logical_id(template, "AWS::IAM::Role", "RoleName", settings.TEST_IAM_ROLE_NAME)
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "Roles": [{"Ref": ci_id}],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Action": list(settings.IDENTITY_READ_ACTIONS), "Resource": "*"}
                            ),
                            Match.object_like(
                                {
                                    "Action": "sts:AssumeRole",
                                    "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
                                }
                            ),
                        ]
                    )
                },
            },
        )

    def test_only_the_test_user_may_get_access_key_info(self, template: Template) -> None:
        """sts:GetAccessKeyInfo is in the user's policy and in no role's (they have no key)."""
        user_id = _logical_id(template, "AWS::IAM::User", "UserName", settings.TEST_IAM_USER_NAME)
        holders = []
        for policy in _resources(template, "AWS::IAM::Policy").values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                if "sts:GetAccessKeyInfo" in ([actions] if isinstance(actions, str) else actions):
                    holders += policy["Properties"].get("Roles", [])
                    holders += policy["Properties"].get("Users", [])
        assert holders == [{"Ref": user_id}]

    def test_outputs(self, template: Template) -> None:
        """The stack outputs both role ARNs, the user name and the trusted repository."""
        outputs = template.find_outputs("*")
        assert {"TestRoleArn", "CiRoleArn", "TestUserName"} <= set(outputs)
        assert outputs["GitHubRepository"]["Value"] == f"{OWNER}/{REPO}"
        assert outputs["TestUserName"]["Value"] == {
            "Ref": _logical_id(template, "AWS::IAM::User", "UserName", settings.TEST_IAM_USER_NAME)
        }

    def test_no_bootstrap_version_rule(self, template: Template) -> None:
        """The template has no bootstrap-version rule or parameter (the emulator lacks them)."""
        as_json = template.to_json()
        assert "Rules" not in as_json
        assert "BootstrapVersion" not in as_json.get("Parameters", {})


#: Every way the stack writes the CI role's trust: GitHub's default template in the name form,
#: both forms, the immutable form only, narrowed, and customised templates.
TRUST_CONTEXTS: dict[str, dict[str, Any]] = {
    "default": {},
    "imported-narrowed": {
        "oidcProviderArn": IMPORTED_ARN, "githubBranches": "main", "githubEnvironments": "prod",
        "githubOwnerId": "1001", "githubRepositoryId": "2002",
    },
    "both-forms": _cached(immutable=False),
    "immutable-only": _cached(immutable=True),
    "immutable-narrowed": {**_cached(immutable=True), "githubPullRequests": "true"},
    "custom-owner-then-repo": _cached(
        immutable=False, keys=["repository_owner", "repo", "context"]
    ),
    "custom-ids": _cached(immutable=True, keys=["repository_owner_id", "repository_id", "context"]),
    "custom-narrowed": {
        **_cached(immutable=False, keys=["repo", "job_workflow_ref", "context"]),
        "githubBranches": "main",
    },
}  # fmt: skip
#: A literal that names OWNER/REPO and nothing else, followed by the claim separator.
_NAMES_THE_REPOSITORY = re.compile(
    rf"(^|:)(repo:{re.escape(OWNER)}(@1001)?/{re.escape(REPO)}(@2002)?"
    rf"|repository:{re.escape(OWNER)}/{re.escape(REPO)}|repository_id:2002):"
)
#: Other claims' prefixes an attacker controls, for the customised templates.
CUSTOM_EVIL_SUBS = [
    f"repository_owner:{OWNER}:repo:{OWNER}/{REPO}-evil:ref:refs/heads/main",
    f"repository_owner:{OWNER}:repo:evil/{REPO}:ref:refs/heads/main",
    f"repository_owner:evil:repo:evil/{REPO}:ref:refs/heads/main",
    "repository_owner_id:1001:repository_id:9999:ref:refs/heads/main",
    "repository_owner_id:1001:repository_id:20021:ref:refs/heads/main",
    "repository_owner_id:9999:repository_id:2002:ref:refs/heads/main",
    f"repo:{OWNER}/{REPO}-evil:job_workflow_ref:{OWNER}/{REPO}/.github/w.yml@x:ref:refs/heads/main",
]


@pytest.fixture(scope="module", params=sorted(TRUST_CONTEXTS))
def any_template(request: pytest.FixtureRequest) -> Template:
    """The stack synthesized with each way of writing the trust."""
    return _template(TRUST_CONTEXTS[request.param])


class TestTrustConditions:
    def test_every_web_identity_trust_has_aud_and_sub(self, any_template: Template) -> None:
        """Each web-identity statement checks aud (StringEquals STS) and sub."""
        statements = list(_web_identity_statements(any_template))
        assert statements
        for statement in statements:
            condition = statement["Condition"]
            assert condition["StringEquals"][AUD] == settings.GITHUB_OIDC_AUDIENCE
            assert any(SUB in keys for keys in condition.values())

    def test_every_pattern_names_exactly_one_repository(self, any_template: Template) -> None:
        """Before any wildcard, every sub pattern holds a literal naming OWNER/REPO only."""
        patterns = _sub_patterns(any_template)
        assert patterns
        for pattern in patterns:
            literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
            assert _NAMES_THE_REPOSITORY.search(literal), pattern
            assert pattern != "*" and not pattern.startswith("repo:*")

    def test_evil_repository_cannot_match(self, any_template: Template) -> None:
        """Subjects of OWNER/REPO-evil, other owners and look-alikes match no sub pattern."""
        for pattern in _sub_patterns(any_template):
            for evil in [*EVIL_SUBS, *CUSTOM_EVIL_SUBS]:
                assert not string_like(pattern, evil), (pattern, evil)

    def test_default_accepts_every_job_of_the_repository(self, template: Template) -> None:
        """The default pattern accepts branches, tags, pull requests and environments."""
        patterns = _sub_patterns(template)
        assert patterns == [f"repo:{OWNER}/{REPO}:*"]
        for good in [
            f"repo:{OWNER}/{REPO}:ref:refs/heads/main",
            f"repo:{OWNER}/{REPO}:ref:refs/tags/v1.0.0",
            f"repo:{OWNER}/{REPO}:pull_request",
            f"repo:{OWNER}/{REPO}:environment:prod",
        ]:
            assert any(string_like(p, good) for p in patterns), good

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("both-forms", [f"repo:{OWNER}/{REPO}:*", f"repo:{OWNER}@1001/{REPO}@2002:*"]),
            ("immutable-only", [f"repo:{OWNER}@1001/{REPO}@2002:*"]),
            ("immutable-narrowed", [f"repo:{OWNER}@1001/{REPO}@2002:pull_request"]),
            ("custom-owner-then-repo", [f"repository_owner:{OWNER}:repo:{OWNER}/{REPO}:*",
                                        f"repository_owner:{OWNER}:repo:{OWNER}@1001/{REPO}@2002:*"]),
            ("custom-ids", ["repository_owner_id:1001:repository_id:2002:*"]),
            ("custom-narrowed", [f"repo:{OWNER}/{REPO}:job_workflow_ref:*:ref:refs/heads/main",
                                 f"repo:{OWNER}@1001/{REPO}@2002:job_workflow_ref:*:ref:refs/heads/main"]),
        ],
    )  # fmt: skip
    def test_the_cached_github_answer_shapes_the_trust(
        self, name: str, expected: list[str]
    ) -> None:
        """The sub format cached from GitHub's API becomes exactly these patterns."""
        assert _sub_patterns(_template(TRUST_CONTEXTS[name])) == expected

    def test_explicit_context_wins_over_the_cache(self) -> None:
        """Explicit ids win over a cached answer that says immutable only."""
        context = {**_cached(immutable=True), "githubOwnerId": "7", "githubRepositoryId": "8"}
        assert _sub_patterns(_template(context)) == [
            f"repo:{OWNER}/{REPO}:*",
            f"repo:{OWNER}@7/{REPO}@8:*",
        ]

    def test_narrowed_accepts_only_what_was_named(self) -> None:
        """Narrowed to main and prod, in both sub forms; other refs are refused."""
        patterns = _sub_patterns(_template(TRUST_CONTEXTS["imported-narrowed"]))
        assert sorted(patterns) == sorted(
            [
                f"repo:{OWNER}/{REPO}:ref:refs/heads/main",
                f"repo:{OWNER}/{REPO}:environment:prod",
                f"repo:{OWNER}@1001/{REPO}@2002:ref:refs/heads/main",
                f"repo:{OWNER}@1001/{REPO}@2002:environment:prod",
            ]
        )
        for bad in [
            f"repo:{OWNER}/{REPO}:ref:refs/heads/dev",
            f"repo:{OWNER}/{REPO}:pull_request",
            f"repo:{OWNER}/{REPO}:ref:refs/tags/main",
            f"repo:{OWNER}/{REPO}:environment:prod-2",
        ]:
            assert not any(string_like(p, bad) for p in patterns), bad


class TestContextFailsClosed:
    @pytest.mark.parametrize("value", ["ture", "yes please", "1", "yes", 1, ["true"]])
    def test_a_boolean_that_is_not_one_stops_synthesis(self, value: Any) -> None:
        """githubPullRequests=ture does not quietly fall back to the repository-wide trust."""
        with pytest.raises(ContextError, match=r"githubPullRequests=.* is not a boolean"):
            _template({"githubBranches": "main", "githubPullRequests": value})

    @pytest.mark.parametrize("value", ["TRUE", " false ", True, False])
    def test_real_booleans_are_read(self, value: Any) -> None:
        """true/false, as strings (from -c) or JSON booleans, in any case."""
        patterns = _sub_patterns(_template({"githubBranches": "main", "githubPullRequests": value}))
        assert (f"repo:{OWNER}/{REPO}:pull_request" in patterns) is (
            str(value).strip().lower() == "true"
        )

    @pytest.mark.parametrize(
        ("key", "suggestion"),
        [("githubBranch", "githubBranches"), ("githubbranches", "githubBranches"),
         ("githubEnvironment", "githubEnvironments"), ("githubRef", "")],
    )  # fmt: skip
    def test_an_unknown_github_key_stops_synthesis(self, key: str, suggestion: str) -> None:
        """A misspelt narrowing key is an error (naming the right one), not the widest trust."""
        with pytest.raises(ContextError, match=rf"unknown CDK context key '{key}'") as error:
            _template({key: "main"})
        assert suggestion in str(error.value)

    @pytest.mark.parametrize(
        ("context", "message"),
        [
            ({"githubOwnerId": "abc", "githubRepositoryId": "2"}, "githubOwnerId='abc'"),
            ({"githubOwnerId": True, "githubRepositoryId": "2"}, "githubOwnerId=True"),
            ({"githubBranches": 5}, "githubBranches=5"),
            ({"githubAcceptNameForm": "no"}, "githubAcceptNameForm='no'"),
            ({CACHE_KEY: {"ownerId": "x"}}, "malformed"),
        ],
    )
    def test_other_unclear_values_stop_synthesis(
        self, context: dict[str, Any], message: str
    ) -> None:
        """Numbers, lists and the cached entry are checked too."""
        with pytest.raises(ContextError, match=re.escape(message)):
            _template(context)

    def test_a_template_that_cannot_name_one_repository_is_an_error(self) -> None:
        """An owner-wide customised template (no repository claim) is refused, with the fix."""
        with pytest.raises(ContextError, match=r"cannot be pinned to one repository.*`repo` first"):
            _template(_cached(immutable=False, keys=["repository_owner", "context"]))


class TestSubjectFilter:
    def test_tags_and_pull_requests(self) -> None:
        """Tags and pull requests become their exact sub forms."""
        subject = GitHubSubjectFilter(owner="o", repository="r", tags=("v*",), pull_requests=True)
        assert subject.sub_patterns() == ["repo:o/r:ref:refs/tags/v*", "repo:o/r:pull_request"]

    def test_immutable_only(self) -> None:
        """Without the name form only the id-carrying form is accepted."""
        subject = GitHubSubjectFilter(
            owner="o", repository="r", owner_id=1, repository_id=2, accept_name_form=False
        )
        assert subject.sub_patterns() == ["repo:o@1/r@2:*"]

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"owner": "*"}, "owner"),
            ({"owner": "o*"}, "owner"),
            ({"repository": "r?"}, "repository"),
            ({"repository": "r:x"}, "repository"),
            ({"branches": ("*",)}, "branch"),
            ({"environments": ("a b",)}, "environment"),
            ({"tags": ("${aws:username}",)}, "tag"),
            ({"owner_id": 1}, "together"),
            ({"accept_name_form": False}, "needs owner_id"),
        ],
    )
    def test_rejects_unsafe_values(self, kwargs: dict[str, Any], message: str) -> None:
        """Wildcards in names, bare wildcards, policy variables and half ids are refused."""
        values: dict[str, Any] = {"owner": "o", "repository": "r"} | kwargs
        with pytest.raises(ValueError, match=re.escape(message)):
            GitHubSubjectFilter(**values)
