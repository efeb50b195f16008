"""``airlock diff``: the security-relevant changes between two versions of a landing zone.

:mod:`~airlock.changes.spec_diff` compares the specs field by field; :mod:`~airlock.changes.access_diff`
compares what the templates allow (each vendor's effective access, the SCPs); :mod:`~airlock.changes.run`
reads each side (a spec, or an assembly with the spec it recorded); :mod:`~airlock.changes.render`
writes text, JSON or Markdown.
"""
