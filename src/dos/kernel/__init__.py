"""Pure verdicts and the tree algebra: evidence in, typed verdict out, clock injected.

Modules here import only the standard library and their kernel siblings.
"""
