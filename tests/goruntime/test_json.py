"""generator.goruntime.json: decode, round trip and marshal of one struct description, checked by
properties and against Go's own encoding/json (run with the Go toolchain when present)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from generator.goruntime.json import (
    BOOL,
    INT32,
    INT64,
    STRING,
    Field,
    Kind,
    Map,
    Open,
    Pointer,
    Scalar,
    Slice,
    Struct,
    UnmarshalTypeError,
    decode,
    encode,
    loads,
    marshal,
    round_trip,
)

# The Go program declares the same types (main.Config, main.Inner).
_INNER = Struct(
    "main.Inner",
    (
        Field("name", STRING),
        Field("count", Pointer(INT32), omitempty=True),
        Field("tags", Slice(STRING), omitempty=True),
    ),
)
CONFIG = Struct(
    "main.Config",
    (
        Field("image", STRING),
        Field("enabled", BOOL, omitempty=True),
        Field("replicas", INT32),
        Field("timeout", Pointer(INT64), omitempty=True),
        Field("args", Slice(STRING)),
        Field("labels", Map(STRING), omitempty=True),
        Field("inner", _INNER),
        Field("extra", Pointer(_INNER), omitempty=True),
        Field("items", Slice(_INNER), omitempty=True),
        Field("groups", Map(Slice(STRING))),
        Field("nested", _INNER, omitempty=True),  # omitempty never drops a struct
    ),
)

_GO_PROGRAM = """
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

type Inner struct {
	Name  string   `json:"name"`
	Count *int32   `json:"count,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

type Config struct {
	Image    string              `json:"image"`
	Enabled  bool                `json:"enabled,omitempty"`
	Replicas int32               `json:"replicas"`
	Timeout  *int64              `json:"timeout,omitempty"`
	Args     []string            `json:"args"`
	Labels   map[string]string   `json:"labels,omitempty"`
	Inner    Inner               `json:"inner"`
	Extra    *Inner              `json:"extra,omitempty"`
	Items    []Inner             `json:"items,omitempty"`
	Groups   map[string][]string `json:"groups"`
	Nested   Inner               `json:"nested,omitempty"`
}

func main() {
	var in []string
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, doc := range in {
		var c Config
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			fmt.Fprintln(out, "error", err)
			continue
		}
		text, err := json.Marshal(c)
		if err != nil {
			panic(err)
		}
		fmt.Fprintln(out, "ok", string(text))
	}
}
"""

_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from('<>&"\\\n'), max_size=6)
_KEY = st.sampled_from(["name", "Name", "NAME", "image", "IMAGE", "replicas", "unknown", "x"])


def _values(kind: Kind, omitempty: bool = False) -> st.SearchStrategy[Any]:
    """Go values of `kind` in the form `decode` returns; an `omitempty` slice or map is nil or
    non-empty (an empty one is dropped by marshal and comes back nil, as in Go)."""
    if isinstance(kind, Scalar):
        if kind.go == "string":
            return _TEXT
        if kind.go == "bool":
            return st.booleans()
        bits = 32 if kind.go == "int32" else 64
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if isinstance(kind, Pointer):
        return st.none() | _values(kind.elem)
    least = 1 if omitempty else 0
    if isinstance(kind, Slice):
        return st.none() | st.lists(_values(kind.elem), min_size=least, max_size=3)
    if isinstance(kind, Map):
        return st.none() | st.dictionaries(_TEXT, _values(kind.elem), min_size=least, max_size=3)
    assert isinstance(kind, Struct)
    return st.fixed_dictionaries({f.name: _values(f.kind, f.omitempty) for f in kind.fields})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_values(CONFIG))
def test_decode_of_marshal_is_identity(value: dict[str, Any]) -> None:
    text = marshal(encode(value, CONFIG))
    assert decode(loads(text), CONFIG) == value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_values(CONFIG))
def test_marshalled_data_is_a_fixed_point_of_the_round_trip(value: dict[str, Any]) -> None:
    data = json.loads(marshal(encode(value, CONFIG)))
    assert round_trip(data, CONFIG) == data
    assert list(round_trip(data, CONFIG)) == list(data)  # declaration order kept


def test_known_behaviours() -> None:
    # Unknown keys go; a key matches case-insensitively; the last repeat wins; null leaves a
    # scalar as it was; a nested object merges into the struct already there.
    doc = (
        '{"IMAGE":"a","image":"b","replicas":3,"replicas":null,"zzz":1,'
        '"inner":{"name":"n"},"inner":{"tags":["t"]}}'
    )
    got = decode(loads(doc), CONFIG)
    assert (got["image"], got["replicas"], got["inner"]["name"], got["inner"]["tags"]) == (
        "b",
        3,
        "n",
        ["t"],
    )
    assert marshal(encode(got, CONFIG)) == (
        '{"image":"b","replicas":3,"args":null,"inner":{"name":"n","tags":["t"]},"groups":null,'
        '"nested":{"name":""}}'
    )
    # omitempty drops a nil pointer, never a pointer to a zero; a struct is never empty.
    assert round_trip({"timeout": 0, "enabled": False, "labels": {}}, CONFIG) == {
        "image": "", "replicas": 0, "timeout": 0, "args": None, "inner": {"name": ""},
        "groups": None, "nested": {"name": ""},
    }  # fmt: skip
    with pytest.raises(
        UnmarshalTypeError, match=r"number 1\.5 into Go struct field Config\.replicas of type int32"
    ):
        decode(loads('{"replicas":1.5}'), CONFIG)
    with pytest.raises(
        UnmarshalTypeError, match=r"number 2147483648 into Go struct field Config\.replicas"
    ):
        decode(loads('{"replicas":2147483648}'), CONFIG)
    with pytest.raises(UnmarshalTypeError, match=r"array into Go value of type main\.Config"):
        decode(loads("[]"), CONFIG)


def test_open_values_drop_nulls_and_describe_named_members() -> None:
    resources = Struct("R", (Field("limits", Map(STRING), omitempty=True),), rest=Open())
    kind = Open({"resources": resources})
    value: dict[str, Any] = {
        "a": None,
        "b": [{"resources": {"limits": {}, "x": None}}],
        "resources": {"limits": {}},
    }
    assert round_trip(value, kind) == {"b": [{"resources": {}}], "resources": {}}


# --- against Go ---------------------------------------------------------------------------------

_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _TEXT
    | st.sampled_from([1.5, -0.25]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEY | _TEXT, inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _field_value(name: str) -> st.SearchStrategy[Any]:
    """Mostly well-typed values for field `name`, sometimes anything (to provoke errors)."""
    kind = next(f.kind for f in CONFIG.fields if f.name == name)
    plain = _values(kind).map(lambda v: json.loads(marshal(encode(v, kind))))
    return st.one_of(plain, plain, plain, _JSON_VALUE)


_DOCUMENT = st.lists(
    st.sampled_from([f.name for f in CONFIG.fields] + ["IMAGE", "Replicas", "other"]).flatmap(
        lambda name: st.tuples(
            st.just(name),
            _field_value(name.lower())
            if name.lower() in {f.name for f in CONFIG.fields}
            else _JSON_VALUE,
        )
    ),
    max_size=5,
).map(lambda pairs: "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}")


def _generated(count: int) -> list[str]:
    """`count` JSON documents drawn by hypothesis (fixed seed), sent to Go in one run."""
    drawn: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_DOCUMENT | _JSON_VALUE.map(json.dumps))
    def collect(doc: str) -> None:
        drawn.append(doc)

    collect()
    return drawn


class _Repeated(Exception):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) < len(pairs):
        raise _Repeated  # a dict cannot hold a repeated key: the round trip is not asked
    return dict(pairs)


def _ours(doc: str) -> str:
    try:
        value = decode(loads(doc), CONFIG)
    except UnmarshalTypeError as err:
        return f"error {err}"
    ours = marshal(encode(value, CONFIG))
    try:
        data = json.loads(doc, object_pairs_hook=_unique)
    except _Repeated:
        return f"ok {ours}"
    if isinstance(data, dict) and marshal(round_trip(data, CONFIG)) != ours:
        return f"round trip {marshal(round_trip(data, CONFIG))} != decode {ours}"
    return f"ok {ours}"


def _go_answers(docs: list[str], tmp: Path) -> list[str]:
    go = shutil.which("go")
    if go is None:
        pytest.skip(
            "no Go toolchain on this machine: encoding/json is compared with Go where Go exists"
        )
    source = tmp / "main.go"
    source.write_text(_GO_PROGRAM, encoding="utf-8")
    done = subprocess.run(
        [go, "run", str(source)],
        input=json.dumps(docs),
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp,
        env={**os.environ, "GO111MODULE": "off", "GOFLAGS": ""},
    )
    return done.stdout.split("\n")[:-1]  # splitlines() would split at U+0085 too


def test_matches_go(tmp_path: Path) -> None:
    docs = [
        *_generated(1500),
        '{"replicas":1e3}',
        '{"inner":null}',
        '{"args":[null,"a"]}',
        '{"args":["x","y"],"args":[null]}',  # null leaves the element decoded before
        '{"items":[{"name":"a","count":1},{"name":"b"}],"Items":[{"name":""}]}',  # merged
        '{"nested":{"tags":["t"]},"NESTED":{"name":"n"}}',
    ]
    expected = _go_answers(docs, tmp_path)
    assert len(expected) == len(docs)
    mismatches = [
        (d, ours, go) for d, go in zip(docs, expected, strict=True) if (ours := _ours(d)) != go
    ]
    assert not mismatches, mismatches[:5]
