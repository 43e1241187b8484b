"""Constants shared by the CDK app, the access-key script, nox, the CI workflow and the tests.

Change a name here and every consumer follows.
"""

from __future__ import annotations

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
GITHUB_OWNER = "MacHu-GWU"
GITHUB_REPOSITORY = "boto_session_manager-project"
GITHUB_OIDC_PROVIDER_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_PROVIDER_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"
#: The repository variable (not a secret) that holds the CI role ARN.
GITHUB_REPO_VAR_ROLE_ARN = "AWS_ROLE_ARN"
#: With this set, `nox -s deploy -- aws` stores the CI role ARN as that repository variable.
ENV_VAR_NAME_FOR_GITHUB_TOKEN = "GITHUB_TOKEN"  # noqa: S105 - a variable name

# -- the local .env written by the access-key script ---------------------------------------------
DOTENV_PATH = ".env"
DOTENV_ACCESS_KEY_ID_VAR = "AWS_ACCESS_KEY_ID"
DOTENV_SECRET_ACCESS_KEY_VAR = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name
DOTENV_REGION_VAR = "AWS_REGION"
DOTENV_ENDPOINT_URL_VAR = "AWS_ENDPOINT_URL"
DOTENV_CA_BUNDLE_VAR = "AWS_CA_BUNDLE"

# -- the local AWS emulator ---------------------------------------------------------------------
LOCAL_AWS_STATE_DIR = ".local-aws"
LOCAL_AWS_ACCOUNT_ID = "000000000000"
LOCAL_AWS_ADMIN_ACCESS_KEY_ID = "test"
#: The emulator accepts any secret for its admin key.
LOCAL_AWS_ADMIN_SECRET_ACCESS_KEY = "test"  # noqa: S105

# -- what the test principals may do -------------------------------------------------------------
TEST_READ_ACTIONS = ("sts:GetCallerIdentity", "sts:GetAccessKeyInfo", "iam:ListAccountAliases")
CI_ROLE_MAX_SESSION_SECONDS = 3600
# fmt: on
