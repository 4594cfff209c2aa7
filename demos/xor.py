"""Placeholder until the nn layer lands: a tiny engine demo."""

from autograd import Value

x = Value(2.0, label="x")
y = Value(3.0, label="y")
z = x * y + x.exp()
z.backward()
print(f"z = x*y + exp(x) = {z.data:.6g}; dz/dx = {x.grad:.6g}, dz/dy = {y.grad:.6g}")
