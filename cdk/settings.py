"""This project's own constants: its stack and principal names, its region, its ``.env``.

The CDK app, the deploy script, nox and the tests read them here; nothing of this module ships
in the library's wheel. The GitHub repository the CI role trusts is not here: it is found (CDK
context, ``GITHUB_REPOSITORY``, the ``origin`` remote; see ``github_repository.py``).
GitHub's OIDC facts and the emulator's defaults are the library's, re-exported for one import.
"""

from __future__ import annotations

from boto_session_manager.testing.local_aws import (
    ADMIN_ACCESS_KEY_ID as LOCAL_AWS_ADMIN_ACCESS_KEY_ID,
)
from boto_session_manager.testing.local_aws import (
    ADMIN_SECRET_ACCESS_KEY as LOCAL_AWS_ADMIN_SECRET_ACCESS_KEY,
)
from boto_session_manager.testing.local_aws import EMULATOR_ACCOUNT_ID as LOCAL_AWS_ACCOUNT_ID
from boto_session_manager.testing.web_identity_roles import (
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_PROVIDER_HOST,
    GITHUB_OIDC_PROVIDER_URL,
)

__all__ = [
    "AWS_REGION",
    "CFN_STACK_NAME",
    "CI_IAM_ROLE_NAME",
    "CI_ROLE_MAX_SESSION_SECONDS",
    "DOTENV_ACCESS_KEY_ID_VAR",
    "DOTENV_CA_BUNDLE_VAR",
    "DOTENV_ENDPOINT_URL_VAR",
    "DOTENV_PATH",
    "DOTENV_REGION_VAR",
    "DOTENV_SECRET_ACCESS_KEY_VAR",
    "ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK",
    "ENV_VAR_NAME_FOR_GITHUB_TOKEN",
    "GITHUB_OIDC_AUDIENCE",
    "GITHUB_OIDC_PROVIDER_HOST",
    "GITHUB_OIDC_PROVIDER_URL",
    "GITHUB_REPO_VAR_ROLE_ARN",
    "IDENTITY_READ_ACTIONS",
    "LOCAL_AWS_ACCOUNT_ID",
    "LOCAL_AWS_ADMIN_ACCESS_KEY_ID",
    "LOCAL_AWS_ADMIN_SECRET_ACCESS_KEY",
    "LOCAL_AWS_STATE_DIR",
    "STACK_NAME",
    "TEST_IAM_ROLE_NAME",
    "TEST_IAM_USER_NAME",
    "TEST_USER_READ_ACTIONS",
]

# fmt: off
# -- the project's stack on AWS ----------------------------------------------------------------
STACK_NAME = "boto_session_manager-project"
#: The CloudFormation stack name (CloudFormation forbids '_').
CFN_STACK_NAME = "boto-session-manager-project"
TEST_IAM_USER_NAME = "project-boto_session_manager"
TEST_IAM_ROLE_NAME = "project-boto_session_manager"
CI_IAM_ROLE_NAME = "project-boto_session_manager-ci"
AWS_REGION = "us-east-1"
ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK = "AWS_PROFILE_FOR_CDK"

# -- GitHub ---------------------------------------------------------------------------------------
#: The repository variable (not a secret) that holds the CI role ARN.
GITHUB_REPO_VAR_ROLE_ARN = "AWS_ROLE_ARN"
#: With this set, `nox -s deploy -- aws` stores the CI role ARN as that repository variable,
#: and the sub-format lookup may read a private repository.
ENV_VAR_NAME_FOR_GITHUB_TOKEN = "GITHUB_TOKEN"  # noqa: S105 - a variable name

# -- the local .env written by the access-key script ---------------------------------------------
DOTENV_PATH = ".env"
DOTENV_ACCESS_KEY_ID_VAR = "AWS_ACCESS_KEY_ID"
DOTENV_SECRET_ACCESS_KEY_VAR = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name
DOTENV_REGION_VAR = "AWS_REGION"
DOTENV_ENDPOINT_URL_VAR = "AWS_ENDPOINT_URL"
DOTENV_CA_BUNDLE_VAR = "AWS_CA_BUNDLE"

# -- the local AWS emulator (`nox -s deploy -- local`) -------------------------------------------
LOCAL_AWS_STATE_DIR = ".local-aws"

# -- what the test principals may do -------------------------------------------------------------
#: Every test principal (test user, test role, CI role) may read its own identity.
IDENTITY_READ_ACTIONS = ("sts:GetCallerIdentity", "iam:ListAccountAliases")
#: The test user also reads facts about its own access key (a role has no key to ask about).
TEST_USER_READ_ACTIONS = (*IDENTITY_READ_ACTIONS, "sts:GetAccessKeyInfo")
CI_ROLE_MAX_SESSION_SECONDS = 3600
# fmt: on
