"""saas-airlock: landing zones for SaaS integrations, as AWS CDK code."""

__version__ = "0.1.0"
