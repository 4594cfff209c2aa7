from autograd import Value


def test_product_rule_and_sum() -> None:
    x = Value(2.0, label="x")
    y = Value(3.0, label="y")
    z = x * y + x
    z.backward()
    assert (z.data, x.grad, y.grad) == (8.0, 4.0, 2.0)
