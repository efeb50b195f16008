"""Registration: every taggable resource says which integration it belongs to."""

from __future__ import annotations

from airlock.compliance.rules._model import (
    ANY_TYPE,
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    Outcome,
    Resource,
    rule,
    tags_of,
)


@rule(
    "MandatoryTags",
    types=(ANY_TYPE,),
    info="The resource lacks one of the mandatory integration tags its stack declares (integration, "
    "owner, vendor, data classification).",
    explanation="The tags tie every resource to its integration, owner, vendor and data classification: "
    "for cost allocation, the integration register, incident response and access decisions.",
)
def mandatory_tags(resource: Resource) -> Outcome:
    required = resource.declarations.mandatory_tags
    if not required or resource.tag_property is None:
        return NOT_APPLICABLE
    tags = tags_of(resource)
    missing = [key for key in required if not tags.get(key)]
    return NON_COMPLIANT if missing else COMPLIANT
