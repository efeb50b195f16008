"""The access model: what a synthesized landing zone allows, proven offline.

Reads a cloud assembly (and the spec) and evaluates concrete requests with AWS's documented
policy-evaluation logic. Imports neither :mod:`airlock.stacks` nor :mod:`airlock.constructs`:
it judges the templates, not the code that wrote them.
"""
