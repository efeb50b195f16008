"""The optional deployment pipeline: CDK Pipelines deploys the landing zone in stages.

With ``organization.pipeline`` in the spec, :func:`airlock.stacks.build` puts the
organization stack and every integration stack into stages of a ``pipelines.CodePipeline``
in the deployment account, instead of into the app itself:

1. the *Organization* stage (the OU and the intermediate accounts) comes first;
2. then one wave per region (the home region first), each deploying up to ``wave_size``
   integration stages in parallel; a region with more integrations gets more waves.

``cdk deploy airlock-pipeline`` is then the only manual step: the pipeline synthesizes the
spec from the repository (running :data:`SYNTH_COMMAND`), updates itself and deploys the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines
from constructs import Construct

from airlock.compliance import acknowledge
from airlock.constructs._keys import deny_grants_except_for_aws_services, log_encryption_key
from airlock.limits import PIPELINE_STACK
from airlock.spec import Integration, Organization
from airlock.spec.pipeline import Pipeline

ORGANIZATION_STAGE = "Organization"

#: The CDK CLI the pipeline installs for self-mutation and asset publishing; the same
#: version as package.json pins (a test compares them).
CDK_CLI_VERSION = "2.1148.1"

#: Days that build logs and pipeline artifacts are kept; artifacts are rebuilt from the repository.
BUILD_LOG_RETENTION = logs.RetentionDays.ONE_YEAR
ARTIFACT_EXPIRY_DAYS = 90

#: Commands that install airlock from the repository in the synth step's build container.
INSTALL_COMMANDS: tuple[str, ...] = (
    "python3 -m venv .venv",
    ".venv/bin/python -m pip install --quiet -r requirements.txt",
    ".venv/bin/python -m pip install --quiet --no-deps .",
)

#: What the synth step runs to write the compliance-checked cloud assembly (``{spec_file}``
#: is the spec's path in the repository), and the folder it writes the assembly to. It fails
#: the build on bad input (exit 2) and on unacknowledged findings (exit 1). The virtualenv
#: comes first on PATH so that jsii runs the Node.js that requirements.txt pins. It is the
#: synth-only compliance check: every pack and cfn-lint gate the deployment, and the reports
#: (JSON, SARIF, JUnit, Markdown) sit beside the assembly.
SYNTH_COMMAND = 'PATH="$PWD/.venv/bin:$PATH" .venv/bin/airlock check {spec_file} --out airlock-check'
SYNTH_OUTPUT = "airlock-check/cdk.out"


def wave_name(region: str, number: int, waves: int) -> str:
    return region if waves == 1 else f"{region}-{number}"


class DeploymentPipelineStack(cdk.Stack):
    """The pipeline stack, in the deployment account: source, synth, self-update, then the stages."""

    def __init__(self, scope: Construct, id: str, *, pipeline: Pipeline, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.spec = pipeline
        source = pipelines.CodePipelineSource.connection(
            pipeline.repository,
            pipeline.branch,
            connection_arn=pipeline.connection_arn,
            trigger_on_push=True,
        )
        self.synth_step = pipelines.CodeBuildStep(
            "Synth",
            input=source,
            install_commands=list(INSTALL_COMMANDS),
            commands=[SYNTH_COMMAND.format(spec_file=pipeline.spec_file)],
            primary_output_directory=SYNTH_OUTPUT,
        )
        # Every CodeBuild project of the pipeline logs into one encrypted group with retention.
        self.build_logs = logs.LogGroup(
            self,
            "BuildLogs",
            retention=BUILD_LOG_RETENTION,
            encryption_key=log_encryption_key(
                self, "BuildLogsKey", description="saas-airlock: CodeBuild logs of the deployment pipeline"
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=PIPELINE_STACK,
            synth=self.synth_step,
            cross_account_keys=True,  # integration accounts must be able to read the artifacts
            enable_key_rotation=True,
            cli_version=CDK_CLI_VERSION,
            self_mutation=True,
            publish_assets_in_parallel=False,
            code_build_defaults=pipelines.CodeBuildOptions(
                logging=codebuild.LoggingOptions(
                    cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.build_logs)
                )
            ),
        )


class PipelineLayout:
    """Where :func:`airlock.stacks.build` puts the stacks when the spec declares a pipeline."""

    def __init__(self, app: cdk.App, organization: Organization) -> None:
        assert organization.pipeline is not None
        self.app = app
        self.organization = organization
        self.spec = organization.pipeline
        region = self.spec.region or organization.home_region
        self.stack = DeploymentPipelineStack(
            app,
            PIPELINE_STACK,
            stack_name=PIPELINE_STACK,
            description="saas-airlock: deployment pipeline of the landing zone (deployment account)",
            env=cdk.Environment(account=self.spec.account_id, region=region),
            pipeline=self.spec,
            termination_protection=True,
        )
        self.organization_stage = cdk.Stage(app, ORGANIZATION_STAGE)
        self.integration_stages: dict[str, list[cdk.Stage]] = {}

    def organization_scope(self) -> Construct:
        return self.organization_stage

    def integration_scope(self, integration: Integration, region: str) -> Construct:
        stage = cdk.Stage(self.app, f"{integration.name}-{region}")
        self.integration_stages.setdefault(region, []).append(stage)
        return stage

    def regions(self) -> list[str]:
        """Regions in deployment order: the home region first, then as organization.allowed_regions lists them."""
        order = [self.organization.home_region] + [
            r for r in self.organization.allowed_regions if r != self.organization.home_region
        ]
        return [region for region in order if region in self.integration_stages]

    def waves(self) -> list[tuple[str, Sequence[cdk.Stage]]]:
        out = []
        size = self.spec.wave_size
        for region in self.regions():
            stages = self.integration_stages[region]
            chunks = [stages[i : i + size] for i in range(0, len(stages), size)]
            out += [(wave_name(region, n, len(chunks)), chunk) for n, chunk in enumerate(chunks, start=1)]
        return out

    def finish(self) -> DeploymentPipelineStack:
        """Add the stages in order, build the pipeline and acknowledge what CDK Pipelines generates."""
        pipeline = self.stack.pipeline
        pipeline.add_stage(self.organization_stage)
        for name, stages in self.waves():
            wave = pipeline.add_wave(name)
            for stage in stages:
                wave.add_stage(stage)
        pipeline.build_pipeline()
        _acknowledge_pipeline(self.stack)
        return self.stack


#: Wildcard actions of the grants CDK Pipelines gives its roles on the artifact bucket and key.
_ARTIFACT_GRANT_ACTIONS = (
    "s3:Abort*",
    "s3:DeleteObject*",
    "s3:GetBucket*",
    "s3:GetObject*",
    "s3:List*",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)


def _logical_id(construct: Construct) -> str:
    child = construct.node.default_child
    assert child is not None
    return cdk.Stack.of(construct).get_logical_id(child)  # type: ignore[arg-type]


def _acknowledge_pipeline(stack: DeploymentPipelineStack) -> None:
    """Findings on what CDK Pipelines generates, acknowledged on the pipeline with reasons."""
    pipeline = stack.pipeline
    bucket = pipeline.pipeline.artifact_bucket
    for action in _ARTIFACT_GRANT_ACTIONS:
        acknowledge(
            pipeline,
            f"AwsSolutions-IAM5[Action::{action}]",
            reason="CDK Pipelines grants its roles object access to the pipeline's own artifact bucket and key; "
            "the bucket holds nothing but this pipeline's artifacts.",
        )
    acknowledge(
        pipeline,
        f"AwsSolutions-IAM5[Resource::<{_logical_id(bucket)}.Arn>/*]",
        reason="Artifacts are written under keys named per pipeline execution, so the roles need every object "
        "of the pipeline's own artifact bucket, and no other bucket.",
    )
    partition = _partition(stack)
    prefix = f"arn:{partition}:{{service}}:{stack.region}:{stack.account}"
    for project in (pipeline.synth_project, pipeline.self_mutation_project):
        project_id = _logical_id(project)
        acknowledge(
            pipeline,
            f"AwsSolutions-IAM5[Resource::{prefix.format(service='logs')}:log-group:/aws/codebuild/<{project_id}>:*]",
            reason="A CodeBuild project writes one log stream per build into its own log group; "
            "the streams are named per build.",
        )
        acknowledge(
            pipeline,
            f"AwsSolutions-IAM5[Resource::{prefix.format(service='codebuild')}:report-group/<{project_id}>-*]",
            reason="A CodeBuild project may create test report groups named after itself, and no others.",
        )
    acknowledge(
        pipeline.self_mutation_project,
        "AwsSolutions-IAM5[Resource::*]",
        reason="Self-mutation reads the pipeline stack's state (cloudformation:DescribeStacks), which "
        "CloudFormation does not scope by resource.",
    )
    acknowledge(
        pipeline.self_mutation_project,
        f"AwsSolutions-IAM5[Resource::arn:*:iam::{stack.account}:role/*]",
        reason="Self-mutation assumes the CDK bootstrap roles of the deployment account to update the pipeline; "
        "their names carry the bootstrap qualifier chosen at bootstrap time.",
    )
    acknowledge(
        pipeline,
        "NIST.800.53.R5-IAMNoInlinePolicy",
        reason="CDK Pipelines generates one role per action with a policy for that action alone; "
        "the policies live and die with the pipeline.",
    )
    _acknowledge_artifact_bucket(bucket)
    for support in pipeline.pipeline.cross_region_support.values():
        # Deploying into another region needs a replication bucket and key there (a support stack).
        replica = support.replication_bucket
        _acknowledge_artifact_bucket(replica)
        name = stack.resolve(replica.bucket_name)  # a physical name, literal in the pipeline stack
        acknowledge(
            pipeline.pipeline.role,
            f"AwsSolutions-IAM5[Resource::arn:{partition}:s3:::{name}/*]",
            reason="Artifacts of each execution are replicated under keys named per execution into the "
            "pipeline's own replication bucket of the target region, and no other bucket.",
        )
        acknowledge(
            pipeline.pipeline.role,
            "AwsSolutions-IAM5[Resource::*]",
            reason="The replication keys of other regions are named by alias, which IAM cannot scope; each "
            "key's own policy admits only this pipeline's roles.",
        )


def _partition(stack: cdk.Stack) -> str:
    """The partition as cdk-nag prints it in a finding: a literal in a region-bound stack, else the token."""
    return "<AWS::Partition>" if cdk.Token.is_unresolved(stack.partition) else stack.partition


def _harden_artifact_bucket(bucket: s3.IBucket) -> None:
    """Expire old artifacts, and allow grants on the bucket's key only for AWS services."""
    resource = bucket.node.default_child
    assert isinstance(resource, s3.CfnBucket)
    resource.lifecycle_configuration = s3.CfnBucket.LifecycleConfigurationProperty(
        rules=[
            s3.CfnBucket.RuleProperty(
                id="ExpireArtifacts",
                status="Enabled",
                expiration_in_days=ARTIFACT_EXPIRY_DAYS,
                abort_incomplete_multipart_upload=s3.CfnBucket.AbortIncompleteMultipartUploadProperty(
                    days_after_initiation=1
                ),
            )
        ]
    )
    # The replication buckets' keys of the cross-region support stacks come back from jsii as
    # IKey, not as kms.Key: any key of the app's own takes the statement.
    key = bucket.encryption_key
    if key is not None:
        deny_grants_except_for_aws_services(key)


def _acknowledge_artifact_bucket(bucket: s3.IBucket) -> None:
    """Findings on an artifact (or replication) bucket that CDK Pipelines creates."""
    _harden_artifact_bucket(bucket)
    resource = bucket.node.default_child
    assert resource is not None
    access = (
        "The bucket is reachable only by the pipeline's roles, through its KMS key and TLS-only policy; "
        "it holds build outputs, not data of the integrations."
    )
    versions = (
        "Every artifact is written once per execution and can be rebuilt from the repository at its commit; "
        "versions (and object locks) would only keep stale build outputs."
    )
    for rule, reason in (
        ("AwsSolutions-S1", access),
        ("NIST.800.53.R5-S3BucketLoggingEnabled", access),
        ("NIST.800.53.R5-S3BucketVersioningEnabled", versions),
        (
            "NIST.800.53.R5-S3BucketReplicationEnabled",
            "The repository is the durable copy of everything in the bucket; a lost artifact is rebuilt by "
            "running the pipeline again.",
        ),
        # The AWS Control Tower controls (cfn-guard), where that pack is attached.
        ("cdk-validator-cfnguard::s3_bucket_logging_enabled_check", access),
        ("cdk-validator-cfnguard::s3_bucket_versioning_enabled_check", versions),
        ("cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check", versions),
        (
            "cdk-validator-cfnguard::s3_event_notifications_enabled_check",
            "Nothing consumes artifact events: the pipeline itself starts every action that reads an artifact.",
        ),
    ):
        acknowledge(resource, rule, reason=reason)
