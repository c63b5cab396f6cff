"""Reading deployments from every kind of source `check` accepts."""

import json
import pathlib

import pytest

import amlguard

RESOURCES = [
    {
        "type": "Microsoft.MachineLearningServices/workspaces",
        "name": "ws",
        "location": "westeurope",
        "properties": {
            "publicNetworkAccess": "Enabled",
            "storageAccount": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg/providers/Microsoft.Storage/storageAccounts/st",
        },
    },
    {"type": "Microsoft.Storage/storageAccounts", "name": "st", "location": "westeurope", "properties": {}},
]


def _names(dep):
    return [r["value"]["name"] for r in dep["resources"]]


def test_ingest_list_dict_text_path_and_pathlike(tmp_path):
    path = tmp_path / "resources.json"
    path.write_text(json.dumps(RESOURCES), encoding="utf-8")
    sources = [
        RESOURCES,
        tuple(RESOURCES),
        {"resources": RESOURCES},
        json.dumps(RESOURCES),
        "  // a comment first\n" + json.dumps(RESOURCES),
        str(path),
        path,
        [path],
    ]
    deps = [amlguard.ingest(s) for s in sources]
    for dep in deps:
        assert _names(dep) == ["ws", "st"]
        # ids are filled in and the workspace -> storage relation is derived
        assert dep["resources"][1]["value"]["id"].endswith("/providers/Microsoft.Storage/storageAccounts/st")
        assert [(r["from"], r["to"], r["path"]) for r in dep["relations"]] == [(0, 1, "properties.storageAccount")]
    # provenance names the file for path sources only
    assert deps[5]["resources"][0]["provenance"]["file"] == str(path)
    assert deps[6]["resources"][0]["provenance"]["file"] == str(path)
    assert deps[0]["resources"][0]["provenance"].get("file") is None


def test_single_resource_dict():
    dep = amlguard.ingest(RESOURCES[1])
    assert _names(dep) == ["st"]


@pytest.mark.parametrize(
    "source,message",
    [
        ({"resources": [{"name": "x"}]}, "resource at `/resources/0` must be an object with a string `type`"),
        ([{"type": 1}], "resource at `/0` must be an object with a string `type`"),
        ({"foo": 1}, "expected an array of resources or an object with `resources`, found object"),
        ('[{"type": "a"},, ]', "<input>:"),
        ("does/not/exist.json", "cannot read `does/not/exist.json`"),
        (42, "cannot check a `int`"),
    ],
)
def test_bad_input_raises_input_error_and_interpreter_survives(source, message):
    with pytest.raises(amlguard.InputError) as e:
        amlguard.ingest(source)
    assert message in str(e.value)
    assert _names(amlguard.ingest(RESOURCES)) == ["ws", "st"]


def test_json_error_in_file_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"type": "a"}\n  {"type": "b"}\n]', encoding="utf-8")
    with pytest.raises(amlguard.InputError) as e:
        amlguard.ingest(bad)
    assert str(e.value).startswith(f"{bad}:")
    assert "line 3" in str(e.value)


def test_ingest_json_matches_ingest(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(RESOURCES), encoding="utf-8")
    from amlguard import _amlguard

    text = _amlguard.ingest_json("paths", [str(path)], [])
    assert json.loads(text) == amlguard.ingest(path)


def test_installed_wheel_is_what_is_tested():
    assert "site-packages" in pathlib.Path(amlguard.__file__).parts
    assert amlguard._amlguard.__file__.endswith((".so", ".pyd"))
