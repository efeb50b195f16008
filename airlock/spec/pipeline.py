"""The optional deployment pipeline: CDK Pipelines in a deployment (tooling) account.

With a ``pipeline`` block in ``organization``, airlock synthesizes one pipeline stack
instead of deployable stacks: deploying it is the only manual step, and the pipeline then
deploys the organization stage first and the integrations in waves, region by region.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from airlock.spec.base import SpecModel
from airlock.spec.types import AccountId, Region

_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):(?P<region>[a-z]{2}(-[a-z]+)+-\d):"
    r"(?P<account>\d{12}):connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")

#: CodePipeline allows 50 actions per stage; each integration stage in a wave takes two
#: (create and execute the change set), and the wave keeps room for its own steps.
MAX_WAVE_SIZE = 20


class Pipeline(SpecModel):
    """A CDK Pipelines deployment pipeline, in its own account, fed by a repository connection."""

    account_id: AccountId = Field(description="Deployment (tooling) account that holds the pipeline.")
    region: Region | None = Field(default=None, description="Region of the pipeline. Default: the home region.")
    connection_arn: str = Field(
        description="ARN of the CodeStar / CodeConnections connection to the repository host "
        "(arn:aws:codeconnections:<region>:<account>:connection/<uuid>)."
    )
    repository: str = Field(description="Repository that holds this spec, as 'owner/name'.")
    branch: str = Field(default="main", description="Branch whose pushes the pipeline deploys.")
    spec_file: str = Field(description="Path of this spec file inside the repository, e.g. 'landing-zone.yaml'.")
    wave_size: int = Field(
        default=10,
        ge=1,
        le=MAX_WAVE_SIZE,
        description="Most integration stacks deployed in parallel in one wave; a region with more gets more waves.",
    )

    @field_validator("connection_arn")
    @classmethod
    def _connection_arn(cls, value: str) -> str:
        if not _CONNECTION_ARN.match(value):
            raise ValueError(
                f"'{value}' is not a connection ARN; copy it from the console's Connections page, e.g. "
                "'arn:aws:codeconnections:eu-central-1:123456789012:connection/"
                "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d' (a literal: synthesis never looks it up)"
            )
        return value

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _REPOSITORY.match(value):
            raise ValueError(f"'{value}' is not a repository; write it as 'owner/name', e.g. 'contoso/landing-zone'")
        return value

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        if not _BRANCH.match(value) or ".." in value or value.startswith("/") or value.endswith("/"):
            raise ValueError(f"'{value}' is not a branch name; write it as e.g. 'main' or 'release/landing-zone'")
        return value

    @field_validator("spec_file")
    @classmethod
    def _spec_file(cls, value: str) -> str:
        if not value.endswith((".yaml", ".yml")) or value.startswith("/") or ".." in value.split("/"):
            raise ValueError(
                f"'{value}' is not a spec file path inside the repository; write it relative to the "
                "repository root, ending in .yaml, e.g. 'landing-zone.yaml'"
            )
        return value

    def connection_region(self) -> str:
        match = _CONNECTION_ARN.match(self.connection_arn)
        assert match is not None  # validated above
        return match.group("region")
