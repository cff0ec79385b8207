"""Templates cannot inject: every value is serialised, undefined names fail, output is checked."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.goruntime import yamlv2
from generator.render import Renderer, TemplateError, check_rendered, make_environment, yaml_value

HOSTILE = [
    "a\nb",
    "---\nkind: Secret",
    "key: value",
    "# comment",
    "'single' \"double\"",
    "\u2028line\u2029para\u0085next",
    "emoji \U0001f600 and \U00010348",
    "x" * 10_000,
    "yes",
    "2001-12-14",
    "0b101",
    "1_000",
    "~",
    "{{ not.a.template }}",
    "\x7f\x00\x1b",
]

TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ name }}
  namespace: {{ namespace }}
data:
  value: {{ value }}
"""


def _renderer(tmp_path: Path, text: str = TEMPLATE) -> Renderer:
    (tmp_path / "cm.yaml.j2").write_text(text)
    return Renderer(tmp_path)


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_round_trip_as_data(tmp_path: Path, value: str) -> None:
    obj = _renderer(tmp_path).render_object(
        "cm.yaml.j2", dict(name="n", namespace="ns", value=value), "ConfigMap", "n", "ns"
    )
    assert obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "n", "namespace": "ns"},
        "data": {"value": value},
    }


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_yaml_value_round_trips_any_text(text: str) -> None:
    assert yaml.load(yaml_value(text), Loader=yaml.CSafeLoader) == text


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=12,
    )
)
def test_yaml_value_round_trips_structures(value: object) -> None:
    assert yaml.load(yaml_value(value), Loader=yaml.CSafeLoader) == value


def test_a_value_cannot_rename_the_object_or_change_namespace(tmp_path: Path) -> None:
    renderer = _renderer(tmp_path)
    obj = renderer.render_object(
        "cm.yaml.j2",
        dict(name="n\nnamespace: kube-system", namespace="ns", value="v"),
        "ConfigMap",
        "n\nnamespace: kube-system",
        "ns",
    )
    assert obj["metadata"] == {"name": "n\nnamespace: kube-system", "namespace": "ns"}


def test_undefined_names_fail(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="'value' is undefined"):
        _renderer(tmp_path).render_object(
            "cm.yaml.j2", dict(name="n", namespace="ns"), "ConfigMap", "n", "ns"
        )


def test_missing_attribute_fails(tmp_path: Path) -> None:
    renderer = _renderer(tmp_path, TEMPLATE.replace("{{ value }}", "{{ obj.missing }}"))
    with pytest.raises(TemplateError, match="missing"):
        renderer.render_object(
            "cm.yaml.j2", dict(name="n", namespace="ns", obj={}), "ConfigMap", "n", "ns"
        )


def test_sandbox_blocks_python_internals(tmp_path: Path) -> None:
    renderer = _renderer(tmp_path, TEMPLATE.replace("{{ value }}", "{{ name.__class__ }}"))
    with pytest.raises(TemplateError, match="__class__"):
        renderer.render_object("cm.yaml.j2", dict(name="n", namespace="ns"), "ConfigMap", "n", "ns")


def test_no_filters_exist() -> None:
    env = make_environment()
    with pytest.raises(jinja2.TemplateAssertionError, match="No filter named 'tojson'"):
        env.from_string("{{ x | tojson }}")


def test_template_must_render_one_object_of_the_right_identity(tmp_path: Path) -> None:
    renderer = _renderer(tmp_path, TEMPLATE + "---\nkind: Secret\n")
    with pytest.raises(TemplateError, match="exactly one object"):
        renderer.render_object(
            "cm.yaml.j2", dict(name="n", namespace="ns", value=1), "ConfigMap", "n", "ns"
        )
    renderer = _renderer(tmp_path)
    with pytest.raises(TemplateError, match="expected ConfigMap ns/n"):
        renderer.render_object(
            "cm.yaml.j2", dict(name="n", namespace="other", value=1), "ConfigMap", "n", "ns"
        )


def test_missing_and_broken_templates_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"nope\.yaml\.j2: not found"):
        Renderer(tmp_path).template("nope.yaml.j2")
    renderer = _renderer(tmp_path, "a: {{ x ")
    with pytest.raises(TemplateError, match=r"cm\.yaml\.j2: line 1"):
        renderer.template("cm.yaml.j2")


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError):
        yaml_value(float("nan"))


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=10,
    )
)
def test_token_and_json_paths_agree(value: object) -> None:
    """The fast path (tokens replaced after parsing) gives what serialising as JSON gives."""
    renderer = Renderer()
    template = renderer.env.from_string(TEMPLATE)
    renderer._compiled[("cm.yaml.j2", False)] = template
    renderer._compiled[("cm.yaml.j2", True)] = renderer._token_env.from_string(TEMPLATE)
    values = {"name": "n", "namespace": "ns", "value": value}
    fast = renderer.render_object("cm.yaml.j2", values, "ConfigMap", "n", "ns")
    slow = check_rendered("cm.yaml.j2", template.render(values), "ConfigMap", "n", "ns")
    assert fast == slow
    # the value as a Go reader gets it through JSON (an int beyond int64 is a float)
    assert fast["data"]["value"] == yamlv2.json_numbers(value)


def test_a_value_spliced_into_a_string_falls_back_to_json(tmp_path: Path) -> None:
    renderer = _renderer(tmp_path, TEMPLATE.replace("{{ value }}", "pre-{{ value }}"))
    obj = renderer.render_object(
        "cm.yaml.j2", {"name": "n", "namespace": "ns", "value": "v"}, "ConfigMap", "n", "ns"
    )
    assert obj["data"]["value"] == 'pre-"v"'


def test_concatenation_in_jinja_is_one_value(tmp_path: Path) -> None:
    renderer = _renderer(tmp_path, TEMPLATE.replace("{{ value }}", '{{ "pre-" ~ value }}'))
    obj = renderer.render_object(
        "cm.yaml.j2", {"name": "n", "namespace": "ns", "value": "v\n: x"}, "ConfigMap", "n", "ns"
    )
    assert obj["data"]["value"] == "pre-v\n: x"
