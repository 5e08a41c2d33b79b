"""The entry layer: one module per verb of ``python -m harness`` (parse, call, print).

Each verb module has ``add_arguments(parser)`` and ``main(args) -> exit code``. Its top level imports
nothing heavy, so ``--help`` and argument errors answer at once; ``main`` imports what it needs
(torch, fairseq, transformers only in the verbs that train or build models).

May import: every package of the harness.
"""
