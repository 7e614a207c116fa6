"""Built-in NLU against Rasa 3.6.21: a benchmark run by hand, never in CI (it builds Rasa).

`run.py` is the command (see README.md); the other modules are its jobs: the repository's
inputs, the processes under test, the measurements of a started server, each side's training
and serving, and the JSON document's machine facts and ratios.
"""
