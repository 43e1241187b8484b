"""The few CloudFormation reads and the delete that deploy and destroy need."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import DeployError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

__all__ = ["delete_stack", "stack_outputs", "stack_owned_provider"]

Log = Callable[[str], None]


def stack_outputs(cfn: CloudFormationClient, stack_name: str) -> dict[str, str] | None:
    """The stack's outputs, or ``None`` when the stack does not exist."""
    try:
        stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as error:
        if "does not exist" in str(error):
            return None
        raise
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    return {out["OutputKey"]: out["OutputValue"] for out in stacks[0].get("Outputs", [])}


def stack_owned_provider(cfn: CloudFormationClient, stack_name: str) -> str | None:
    """The OIDC provider ARN the stack itself created (create mode), if any."""
    if stack_outputs(cfn, stack_name) is None:
        return None
    for resource in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]:
        if resource["ResourceType"] == "AWS::IAM::OIDCProvider":
            return resource.get("PhysicalResourceId")
    return None


def delete_stack(cfn: CloudFormationClient, stack_name: str, *, log: Log) -> bool:
    """Delete the stack and wait; ``False`` when there was none."""
    if stack_outputs(cfn, stack_name) is None:
        log(f"stack {stack_name} does not exist: nothing to delete")
        return False
    log(f"deleting stack {stack_name}")
    cfn.delete_stack(StackName=stack_name)
    waiter = cfn.get_waiter("stack_delete_complete")
    try:
        waiter.wait(StackName=stack_name, WaiterConfig={"Delay": 2, "MaxAttempts": 450})
    except Exception as error:
        raise DeployError(
            f"deleting stack {stack_name} failed ({type(error).__name__}): see its events in "
            "the CloudFormation console, fix the cause, then run `nox -s destroy` again"
        ) from error
    log(f"stack {stack_name} deleted")
    return True
