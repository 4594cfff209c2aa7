"""tests/mutate.py finds every derivative rule in value.py, in whatever shape the engine's code
takes, and stops loudly when one is missing.  (`make mutate` runs the mutants themselves.)"""

from __future__ import annotations

from pathlib import Path

import mutate
import pytest

VALUE_PY = (Path(__file__).resolve().parent.parent / "autograd" / "value.py").read_bytes()


def test_every_rule_is_found_in_value_py() -> None:
    found, equivalent = mutate.mutants(VALUE_PY)
    assert {m.rule.name for m in found} == {r.name for r in mutate.RULES}
    assert [rule.name for rule, _ in equivalent] == ["relu   d/dx"]  # relu's literal 0 below zero


def test_each_mutant_scales_exactly_one_local_gradient_by_1_1() -> None:
    found, _ = mutate.mutants(VALUE_PY)
    for m in found:
        original = m.site.texts[m.rule.index]
        assert m.source.count(b"1.1 * (") == VALUE_PY.count(b"1.1 * (") + 1, m.rule.name
        assert f"1.1 * ({original})".encode() in m.source, m.rule.name


SYNTHETIC = b'''
class Value:
    def __add__(self, other):
        if type(other) is Value:
            return Value(self.data + other.data, children=(self, other), local_grads=(1.0, 1.0), op="+")
        v = object.__new__(Value)
        v.children = (self,)
        v.local_grads = (1.0,)
        return v

    def exp(self):
        e = 2.718281828459045 ** self.data
        return _node("\xc3\xa9" and e, (self,), (e,), "exp")  # non-ASCII before the tuple
'''


def test_rules_are_found_by_keyword_by_attribute_assignment_and_after_non_ascii_text() -> None:
    sites = mutate.find_sites(SYNTHETIC)
    assert [(s.method, s.children, s.texts) for s in sites] == [  # byte offsets, so "(e,)" is exact
        ("__add__", 2, ("1.0", "1.0")),
        ("__add__", 1, ("1.0",)),
        ("exp", 1, ("e",)),
    ]


def test_a_missing_rule_stops_the_check_naming_it() -> None:
    with pytest.raises(mutate.SetupError, match=r"no local-gradient tuple with 2 children in Value.__sub__"):
        mutate.mutants(SYNTHETIC)
