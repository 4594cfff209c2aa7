"""Gradients checked against finite differences: `gradcheck`, the blame that names a broken op,
and `autograd.check.testing`'s helpers for a test suite."""
