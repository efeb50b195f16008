"""The policy evaluator as it was before it remembered per-action candidates, per-statement
answers and condition answers, and before it decided the plain common case on its own
(saas-airlock commit 46aca47): the oracle ``test_evaluator_equivalence.py`` holds the
evaluator to. Only the functions and classes that changed are kept here; the rest is imported from
``airlock.access``. A change to the evaluation rules changes this copy in the same commit.
"""
