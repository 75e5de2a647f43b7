"""The benchmark suite: `python -m benchmarks [--sizes 10,100,1000] [--n 10] [--json PATH]`.

Prints figures beside their baselines and writes them as JSON; asserts nothing.
"""
