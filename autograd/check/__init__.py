"""Gradients checked against finite differences: `gradcheck` (and `gradgradcheck`, one order up), the
blame that names a broken op,
and `autograd.check.testing`'s helpers for a test suite."""
