"""The render cache and the worker processes (issue 14): neither changes a byte of output, a
warning or what --explain reports; a damaged or foreign cache is a miss, never an error."""

from __future__ import annotations

import json
import os
import shutil
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_incremental_render import ISVC, RUNTIME
from test_rendered_folder import run

from generator import output, parallel, pipeline, render_cache, scope
from generator import render as render_module
from generator.errors import ProblemsFound, Source
from generator.namespace_policy import _ref, members
from generator.records import Rendered

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "gitops-repo" / "apps"


def write_isvcs(apps: Path, count: int, version: int = 1) -> Path:
    """`count` InferenceServices across modes, runtimes and canaries, and one runtime."""
    apps.mkdir(parents=True, exist_ok=True)
    (apps / "runtime.yaml").write_text(RUNTIME.format(tag=version))
    for i in range(count):
        text = ISVC.format(
            name=f"m{i}", namespace=f"team-{i % 3}",
            mode=("Serverless", "RawDeployment")[i % 2], replicas=1 + i % 2, version=version,
            canary="    canaryTrafficPercent: 10\n" if i % 5 == 0 else "",
            runtime="      runtime: custom-sklearn\n" if i % 3 == 0 else "",
        )  # fmt: skip
        (apps / f"m{i}.yaml").write_text(text)
    return apps


def seen(result: pipeline.Result) -> tuple[str, list[str], list[tuple[object, ...]]]:
    """Everything a command shows of a render: the stream, the warnings, the decisions."""
    decisions: list[tuple[object, ...]] = [
        (a.loaded.name, a.namespace, a.mode, a.runtime, a.url, a.address, a.mode_reason,
         a.runtime_reason, a.knative_flags, json.dumps(a.isvc, sort_keys=True))
        for a in result.admitted
    ]  # fmt: skip
    return output.yaml_stream(result.objects), sorted(map(str, result.warnings)), decisions


def render(paths: tuple[str, ...], cache: Path | None, **options: object) -> pipeline.Result:
    request = pipeline.Request(paths, allow_cluster_scoped=True, cache_dir=cache, **options)  # type: ignore[arg-type]
    return pipeline.run(request)


def packs(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pack"))


def test_a_cached_render_is_the_uncached_render(tmp_path: Path) -> None:
    paths = (str(EXAMPLES),)
    uncached = seen(render(paths, None))
    first = seen(render(paths, tmp_path))
    assert len(packs(tmp_path)) == 1
    second = seen(render(paths, tmp_path))  # every InferenceService from the cache
    assert first == uncached
    assert second == uncached
    assert uncached[0].count("\n---\n") > 10  # the example repo renders many objects


def test_every_entry_comes_from_the_cache_on_the_second_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps = write_isvcs(tmp_path / "apps", 12)
    render((str(apps),), tmp_path / "cache")
    calls: list[str] = []
    real = pipeline.render_admitted

    def counting(admitted: pipeline.Admitted, *args: object) -> object:
        calls.append(admitted.loaded.name)
        return real(admitted, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "render_admitted", counting)
    render((str(apps),), tmp_path / "cache")
    assert calls == []
    (apps / "m4.yaml").write_text((apps / "m4.yaml").read_text().replace("bucket", "other"))
    changed = seen(render((str(apps),), tmp_path / "cache"))
    assert calls == ["m4"]  # only the changed one is reconciled again
    monkeypatch.setattr(pipeline, "render_admitted", real)
    assert changed == seen(render((str(apps),), None))


@pytest.mark.parametrize(
    "change", ["runtime", "config", "templates", "domain", "previous", "local model cache"]
)
def test_a_global_change_renders_everything_anew(tmp_path: Path, change: str) -> None:
    """What every InferenceService reads is in the run key (or, for previous revisions, checked
    per entry): changing it never serves a stale entry."""
    apps = write_isvcs(tmp_path / "apps", 10)
    cache = tmp_path / "cache"
    templates = tmp_path / "templates"
    templates.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text('deploy: \'{"defaultDeploymentMode": "Serverless"}\'\n')
    if change == "local model cache":
        config.write_text(config.read_text() + "localModel: '{\"enabled\": true}'\n")
    previous = tmp_path / "previous.yaml"
    previous.write_text("")
    options: dict[str, object] = {
        "template_dir": templates, "config_files": (str(config),), "previous": (str(previous),),
    }  # fmt: skip
    render((str(apps),), cache, **options)
    if change == "runtime":
        (apps / "runtime.yaml").write_text(RUNTIME.format(tag=7))
    elif change == "config":
        config.write_text('deploy: \'{"defaultDeploymentMode": "RawDeployment"}\'\n')
    elif change == "templates":
        text = render_module._shipped_source("deployment.yaml.j2") or ""
        text = text.replace("\nspec:\n", "\nspec:\n  minReadySeconds: 5\n", 1)
        (templates / "deployment.yaml.j2").write_text(text)
    elif change == "domain":
        options["knative_domain"] = "models.example.org"
    elif change == "local model cache":
        (apps / "cache.yaml").write_text(LOCAL_MODEL_CACHE)
    else:
        # an earlier render with a different rolled-out revision for the canary m0
        earlier = render((str(apps),), None, **options).objects
        knative = [r.obj for r in earlier if r.obj["metadata"]["name"] == "m0-predictor"]
        knative[0]["spec"]["template"]["metadata"]["name"] = "m0-predictor-00042"
        previous.write_text(output.yaml_stream([r for r in earlier if r.obj in knative]))
    cached = seen(render((str(apps),), cache, **options))
    assert cached == seen(render((str(apps),), None, **options))
    if change == "previous":
        assert "m0-predictor-00042" in cached[0]
    if change == "templates":
        assert "minReadySeconds: 5" in cached[0]
    if change == "local model cache":
        assert cached[0].count("claimName: bucket-cache-gpu") == 10


LOCAL_MODEL_CACHE = """apiVersion: serving.kserve.io/v1alpha1
kind: LocalModelCache
metadata: {name: bucket-cache}
spec: {sourceModelUri: "gs://bucket", modelSize: 1Gi, nodeGroups: [gpu]}
"""


def _rewrite_pack(path: Path, edit: object) -> None:
    """Rewrite a pack's entries with `edit` (entries → entries) and a valid header."""
    head, _, body = path.read_bytes().partition(b"\n")
    lines = body.decode().split("\n")[:-1]
    new_lines = edit(lines)  # type: ignore[operator]
    new_body = "".join(f"{line}\n" for line in new_lines).encode()
    parts = head.split(b" ")
    parts[-2:] = [b"%d" % len(new_body), b"%08x" % zlib.crc32(new_body)]
    path.write_bytes(b" ".join(parts) + b"\n" + new_body)


def _first_entry_not_utf8(path: Path) -> None:
    """Damage: a byte of the first entry's head that is not UTF-8, under a valid checksum."""
    head, _, body = path.read_bytes().partition(b"\n")
    body = body[:70] + b"\xff" + body[71:]
    parts = head.split(b" ")
    parts[-2:] = [b"%d" % len(body), b"%08x" % zlib.crc32(body)]
    path.write_bytes(b" ".join(parts) + b"\n" + body)


SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}


def _swap_objects(line: str) -> str:
    """An entry that decodes but holds another object: only a checked key could serve it."""
    key, _, text = line.partition(" ")
    head = json.loads(text.split("\t")[0])
    head[8] = [["x: 1\n", "v1", "Secret", "", "x", []]]
    return f"{key} {json.dumps(head)}\t{json.dumps(SECRET)}"


def _first_entry_edited(edit: object) -> object:
    """Damage: the first entry's head and objects (as JSON) edited by `edit`."""

    def damage(lines: list[str]) -> list[str]:
        key, _, text = lines[0].partition(" ")
        head_text, *objects = text.split("\t")
        head, objs = edit(json.loads(head_text), [json.loads(o) for o in objects])  # type: ignore[operator]
        entry = "\t".join(json.dumps(part) for part in [head, *objs])
        return [f"{key} {entry}", *lines[1:]]

    return lambda path: _rewrite_pack(path, damage)


def _valid_head() -> str:
    """The head of an entry with one object, the Secret."""
    objects = [["x: 1\n", "v1", "Secret", "", "x", []]]
    return json.dumps([{}, "Serverless", "", None, None, None, "", [], objects, []])


def _needs_not_pairs(head: list, objs: list) -> tuple[list, list]:  # type: ignore[type-arg]
    head[8][0][5] = [7]  # a Knative flag list that is not a list of pairs
    return head, objs


def _object_left_out(head: list, objs: list) -> tuple[list, list]:  # type: ignore[type-arg]
    return head, objs[1:]


def _first_entry_becomes(text: str) -> object:
    """Damage: the first entry's text (after its key) replaced by `text`."""
    return lambda path: _rewrite_pack(path, lambda ls: [f"{ls[0][:64]} {text}", *ls[1:]])


DAMAGE = {
    "flipped byte": lambda p: p.write_bytes(p.read_bytes()[:-20] + b"X" + p.read_bytes()[-19:]),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "not a pack": lambda p: p.write_bytes(b"\x00\xff" * 100),
    "entry not JSON": _first_entry_becomes("{not json"),
    "entry of the wrong shape": _first_entry_becomes('[1, 2, "three"]'),
    "entry with a wrong type": _first_entry_becomes(
        json.dumps([{}, 1, "", None, None, None, "", [], [], []])
    ),
    "a folder instead": lambda p: (p.unlink(), p.mkdir()),
    "a head without its object": _first_entry_edited(_object_left_out),
    "needs that are not pairs": _first_entry_edited(_needs_not_pairs),
    "an object not JSON": _first_entry_becomes(_valid_head() + "\t{not json"),
    "an entry not UTF-8": _first_entry_not_utf8,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_is_a_miss(tmp_path: Path, damage: str) -> None:
    apps = write_isvcs(tmp_path / "apps", 6)
    cache = tmp_path / "cache"
    expected = seen(render((str(apps),), None))
    render((str(apps),), cache)
    (pack,) = packs(cache)
    DAMAGE[damage](pack)  # type: ignore[operator]
    assert seen(render((str(apps),), cache)) == expected
    assert seen(render((str(apps),), cache)) == expected  # and whatever the run wrote back


def test_an_entry_is_served_only_for_its_own_key(tmp_path: Path) -> None:
    """A wrong entry under a key that no InferenceService has is never read; the entries of the
    damaged pack are rewritten by the next run."""
    apps = write_isvcs(tmp_path / "apps", 4)
    cache = tmp_path / "cache"
    expected = seen(render((str(apps),), None))
    render((str(apps),), cache)
    (pack,) = packs(cache)
    _rewrite_pack(pack, lambda lines: [*lines, "f" * 64 + " " + _swap_objects(lines[0])[65:]])
    assert seen(render((str(apps),), cache)) == expected
    assert "f" * 64 not in pack.read_text()


def test_an_unwritable_cache_folder_is_no_error(tmp_path: Path) -> None:
    apps = write_isvcs(tmp_path / "apps", 3)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert seen(render((str(apps),), blocker / "cache")) == seen(render((str(apps),), None))


def test_old_packs_are_pruned(tmp_path: Path) -> None:
    apps = write_isvcs(tmp_path / "apps", 2)
    cache = tmp_path / "cache"
    for domain in range(render_cache.MAX_PACKS + 3):
        render((str(apps),), cache, knative_domain=f"d{domain}.example.com")
    assert len(packs(cache)) == render_cache.MAX_PACKS


def test_the_pack_saved_in_the_background_is_on_disk_when_the_block_ends(tmp_path: Path) -> None:
    pack = render_cache.Pack(tmp_path, "k" * 64)
    pack.put("a" * 64, "[1]")
    with render_cache.saving(pack):
        pass
    assert render_cache.Pack(tmp_path, "k" * 64).get("a" * 64) == "[1]"


def test_a_failed_background_save_is_raised_after_the_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = render_cache.Pack(tmp_path, "k" * 64)

    def fail() -> None:
        raise MemoryError

    monkeypatch.setattr(pack, "save", fail)
    ran = []
    with pytest.raises(MemoryError):
        with render_cache.saving(pack):
            ran.append(True)
    assert ran == [True]


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache misses go to two forked workers, whatever the machine has."""
    if not parallel.can_fork():
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    real = parallel.ordered_map

    def forking(task: object, count: int, workers: int, *rest: object) -> object:
        assert workers == 2 or pipeline.PARALLEL_THRESHOLD > 0, "the workers were not used"
        return real(task, count, workers, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "ordered_map", forking)


def test_workers_render_what_one_process_renders(tmp_path: Path, two_workers: None) -> None:
    apps = write_isvcs(tmp_path / "apps", 40)
    paths = (str(apps), str(EXAMPLES))
    workers = seen(render(paths, None))
    workers_cached = seen(render(paths, tmp_path / "cache"))
    pipeline.PARALLEL_THRESHOLD = 10**9  # restored by the fixture's monkeypatch
    serial = seen(render(paths, None))
    assert workers == serial
    assert workers_cached == serial
    assert seen(render(paths, tmp_path / "cache")) == serial  # served by the workers' entries


OVERLAYS = Path(__file__).resolve().parents[1] / "overlays"


@pytest.mark.parametrize("options", [{"overlay": "prod"}, {"overlay": "dev", "sync_waves": True}])
def test_workers_objects_read_whole_are_what_one_process_renders(
    tmp_path: Path, two_workers: None, options: dict[str, object]
) -> None:
    """An overlay's patches and sync waves read and change a worker's objects, which then
    decode their JSON: the same output as one process gives."""
    apps = write_isvcs(tmp_path / "apps", 24)
    overlay = {**options, "overlay": str(OVERLAYS / str(options["overlay"]))}
    in_workers = seen(render((str(apps),), None, **overlay))
    pipeline.PARALLEL_THRESHOLD = 10**9
    serial = seen(render((str(apps),), None, **overlay))
    assert in_workers == serial
    assert f"environment: {Path(str(overlay['overlay'])).name}" in serial[0]
    assert ("argocd.argoproj.io/sync-wave" in serial[0]) == bool(options.get("sync_waves"))


def test_workers_find_the_knative_flags_one_process_finds(
    tmp_path: Path, two_workers: None
) -> None:
    """A worker sends each Knative Service's config-features needs with its JSON; the parent
    records them without decoding the object, as one process finds them from the object."""
    apps = write_isvcs(tmp_path / "apps", 24)
    for i in range(0, 24, 4):  # Serverless ones: a node selector, or a toleration too
        path = apps / f"m{i}.yaml"
        extra = "    nodeSelector: {disk: ssd}\n"
        if i % 8:
            extra += "    tolerations: [{key: gpu, operator: Exists}]\n"
        path.write_text(path.read_text().replace("  predictor:\n", "  predictor:\n" + extra))
    in_workers = seen(render((str(apps),), None))
    pipeline.PARALLEL_THRESHOLD = 10**9
    serial = seen(render((str(apps),), None))
    assert in_workers == serial
    flags = {decision[8] for decision in serial[2]}
    storage = ("kubernetes.podspec-init-containers", "kubernetes.podspec-volumes-emptydir")
    assert flags == {  # RawDeployment ones need none; the storage initializer needs two
        (),
        storage,
        (*storage[:1], "kubernetes.podspec-nodeselector", *storage[1:]),
        (*storage[:1], "kubernetes.podspec-nodeselector", "kubernetes.podspec-tolerations",
         *storage[1:]),
    }  # fmt: skip


def test_workers_report_the_problems_one_process_reports(tmp_path: Path, two_workers: None) -> None:
    apps = write_isvcs(tmp_path / "apps", 30)
    for i in (3, 17, 29):  # refused by the validating webhook, in three chunks
        path = apps / f"m{i}.yaml"
        path.write_text(path.read_text().replace("minReplicas: ", "minReplicas: -"))

    def problems() -> list[str]:
        with pytest.raises(ProblemsFound) as found:
            render((str(apps),), None)
        return [str(p) for p in found.value.problems]

    in_workers = problems()
    pipeline.PARALLEL_THRESHOLD = 10**9
    assert problems() == in_workers
    assert len(in_workers) == 3


def test_the_console_script_shares_its_cache_and_no_cache_turns_it_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps = write_isvcs(tmp_path / "apps", 3)
    cache = tmp_path / "cache"
    monkeypatch.setenv(render_cache.DIR_ENV, str(cache))
    first = run("render", str(apps))
    assert first.returncode == 0, first.stderr
    assert len(packs(cache)) == 1
    shutil.rmtree(cache)
    assert run("render", str(apps), "--no-cache").stdout == first.stdout
    assert not cache.exists()
    monkeypatch.setenv(render_cache.NO_CACHE_ENV, "1")
    assert run("render", str(apps)).stdout == first.stdout
    assert not cache.exists()
    monkeypatch.delenv(render_cache.NO_CACHE_ENV)
    assert run("render", str(apps)).stdout == first.stdout
    assert run("render", str(apps)).stdout == first.stdout
    assert len(packs(cache)) == 1


def test_a_fifo_in_the_templates_folder_is_not_read_for_the_key(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml.j2")  # opening it to read would block
    (tmp_path / "a.yaml.j2").write_text("{}\n")
    found = render_cache.folder_fingerprint(tmp_path)
    assert found[0][0] == "a.yaml.j2"
    assert found[1] == ["pipe.yaml.j2", "not a file"]


_NAMES = st.sampled_from(["", "a", "m-1", "team-a"])
_OBJECTS = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(["v1", "apps/v1", "serving.knative.dev/v1", "x/v1"]),
        "kind": st.sampled_from(["Service", "Deployment", "ConfigMap", "List", "Namespace",
                                 "CustomResourceDefinition"]),
        "metadata": st.fixed_dictionaries({}, optional={"name": _NAMES, "namespace": _NAMES}),
    },
    optional={
        "items": st.lists(st.fixed_dictionaries(
            {"kind": st.just("Secret"), "metadata": st.fixed_dictionaries({"namespace": _NAMES})}
        ), max_size=2),
        "spec": st.fixed_dictionaries({"scope": st.sampled_from(["Cluster", "Namespaced"]),
                                       "group": st.just("x"),
                                       "names": st.fixed_dictionaries({"kind": st.just("Y")})}),
    },
)  # fmt: skip


@given(_OBJECTS)
def test_an_object_sent_as_json_reads_as_the_object(obj: dict[str, object]) -> None:
    """A worker's object, read before and after its JSON is decoded, is the object: its
    identity, what the namespace policy reads of it, and the object itself."""
    source = Source("apps/m.yaml", 1)
    eager = Rendered(obj, "m", source, "text\n")
    lazy = Rendered.encoded(json.dumps(obj), eager.identity, "m", source, "text\n", ())
    assert (lazy.api_version, lazy.kind, lazy.namespace, lazy.name) == eager.identity
    scopes = scope.crd_scopes(o for one in (lazy,) for o in members(one.identity_object))
    assert scopes == scope.crd_scopes(members(obj))
    refs = [(o.get("apiVersion"), _ref(o)) for o in members(lazy.identity_object)]
    assert refs == [(o.get("apiVersion"), _ref(o)) for o in members(obj)]
    assert lazy.obj == obj
    assert lazy == eager
    assert lazy.identity == eager.identity


def test_a_packs_objects_stay_json_until_read(tmp_path: Path) -> None:
    """Decoding every object of a 100 MB pack cost a cached run a sixth of its time: an
    object read from a pack is decoded only when something reads it whole (an overlay, sync
    waves), and is then the object the uncached render made."""
    apps = write_isvcs(tmp_path / "apps", 6)
    uncached = render((str(apps),), None)
    render((str(apps),), tmp_path / "cache")
    cached = render((str(apps),), tmp_path / "cache")
    children = [r for r in cached.objects if r.owner.startswith("m")]
    assert len(children) > 12
    assert all(r._obj is None for r in children)  # not decoded
    assert seen(cached) == seen(uncached)
    assert [r.obj for r in cached.objects] == [r.obj for r in uncached.objects]
