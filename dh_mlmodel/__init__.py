"""dh-mlmodel: Debian packaging helper for machine-learning models.

The pipeline (one module per stage, plain frozen dataclasses between them):
detect -> describe -> declare -> decide -> deliver -> verify.
`dh_mlmodel` (dh.py) and `mlmodel` (cli.py) are thin adapters over it.
"""

__version__ = "0.1.0"
