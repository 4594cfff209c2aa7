"""Runnable demos, installed with the package: `python -m demos.xor` or `python demos/xor.py`, anywhere.

``demos.seed`` (the article's XOR data and network) and ``demos.moons`` (micrograd's moons data,
network and loss) import from any script; ``demos.plots`` draws the demos' pictures with matplotlib.
"""
