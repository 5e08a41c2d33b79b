"""A reproducibility suite for the ALTeGraD 'NLP Frameworks' lab report.

Every claim of the report becomes a test with a verdict; see the README's claim table. The
packages follow the data flow, each importing only the ones below it (``pyproject.toml``'s
import-linter contract keeps it so):

    cli (the verbs) > report > gate > claims > runs > train > inputs > core
"""

__version__ = "0.1.0"
