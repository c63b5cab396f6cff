"""azure-ai-ml entities -> ARM resources, through the SDK's own serialisation.

Every azure-ai-ml entity knows how to turn itself into the REST object the
service receives (``entity._to_rest_object()`` and friends); that REST object is
the ``properties`` payload of the ARM resource. This module calls that method,
turns the REST object into plain data (``as_dict()`` on the current SDK,
``serialize()`` on older msrest-based versions) and adds what ARM puts around
it: ``type``, ``name`` (child resources carry their parents' names, as in a
template: ``ws/ci1``), ``location`` and, for an entity fetched from the service,
its ``id``. Computes therefore nest as ARM has them:
``properties.computeType`` and ``properties.properties.vmSize``.

azure-ai-ml is never imported here; entities are recognised by their class
names along the MRO, so ``import amlguard`` stays fast and works without it.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._amlguard import InputError

_NS = "Microsoft.MachineLearningServices"

# Placeholder parent names when an entity is checked without its workspace.
DEFAULT_WORKSPACE = "workspace"
DEFAULT_ENDPOINT = "endpoint"


def is_entity(obj: Any) -> bool:
    """True for objects defined by the azure-ai-ml package."""
    return type(obj).__module__.startswith("azure.ai.ml")


def _class_names(obj: Any) -> List[str]:
    return [c.__name__ for c in type(obj).__mro__]


def _plain(obj: Any, depth: int = 0) -> Any:
    """REST-model data -> JSON-like Python data (dict, list, str, numbers)."""
    if depth > 200:
        raise InputError("azure-ai-ml object nested too deeply to convert")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        if isinstance(obj, enum.Enum):
            return obj.value
        return obj
    if isinstance(obj, enum.Enum):
        return _plain(obj.value, depth + 1)
    if isinstance(obj, (datetime.datetime, datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, datetime.timedelta):
        return str(obj)
    if hasattr(obj, "as_dict") and not isinstance(obj, Mapping):
        return _plain(obj.as_dict(), depth + 1)
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if v is None:
                continue
            out[str(k)] = _plain(v, depth + 1)
        return out
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_plain(v, depth + 1) for v in obj]
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)


def _rest_to_dict(rest: Any) -> Dict[str, Any]:
    if hasattr(rest, "as_dict"):
        data = rest.as_dict()
    elif hasattr(rest, "serialize"):  # msrest models (older SDK versions)
        data = rest.serialize(keep_readonly=True)
    else:
        data = rest
    plain = _plain(data)
    if not isinstance(plain, dict):
        raise InputError(f"azure-ai-ml REST object of type `{type(rest).__name__}` is not an object")
    for key in ("systemData", "system_data"):
        plain.pop(key, None)
    return plain


def _segment_after(resource_id: Optional[str], collection: str) -> Optional[str]:
    """Name after `/<collection>/` in an ARM id (case-insensitive)."""
    if not isinstance(resource_id, str):
        return None
    parts = resource_id.strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == collection.lower():
            return parts[i + 1]
    return None


class _Context:
    """What the entities of one `check` call share: the workspace they live in."""

    def __init__(self, entities: List[Any]):
        self.workspace: Optional[str] = None
        self.location: Optional[str] = None
        for e in entities:
            if "Workspace" in _class_names(e) and getattr(e, "name", None):
                self.workspace = e.name
                self.location = getattr(e, "location", None)
                break
        if self.location is None:
            for e in entities:
                loc = getattr(e, "location", None)
                if isinstance(loc, str) and loc:
                    self.location = loc
                    break

    def workspace_of(self, entity: Any) -> str:
        return (
            _segment_after(getattr(entity, "id", None), "workspaces")
            or self.workspace
            or DEFAULT_WORKSPACE
        )

    def location_of(self, entity: Any) -> str:
        loc = getattr(entity, "location", None)
        if isinstance(loc, str) and loc:
            return loc
        return self.location or ""


def _resource(type_: str, name: str, entity: Any, rest: Dict[str, Any], location: str) -> Dict[str, Any]:
    """Order keys as a template would: type, name, location, identity, …, properties."""
    out: Dict[str, Any] = {"type": type_, "name": name}
    entity_id = getattr(entity, "id", None)
    if isinstance(entity_id, str) and entity_id.startswith("/subscriptions/"):
        out["id"] = entity_id
    loc = rest.pop("location", None) or location
    if loc:
        out["location"] = loc
    rest.pop("name", None)
    rest.pop("id", None)
    rest.pop("type", None)
    for key in ("kind", "identity", "sku", "tags"):
        if key in rest:
            out[key] = rest.pop(key)
    out.update({k: v for k, v in rest.items() if k != "properties"})
    out["properties"] = rest.get("properties", {})
    return out


def _workspace(e: Any, ctx: _Context) -> Dict[str, Any]:
    rest = _rest_to_dict(e._to_rest_object())
    return _resource(f"{_NS}/workspaces", e.name, e, rest, ctx.location_of(e))


def _registry(e: Any, ctx: _Context) -> Dict[str, Any]:
    rest = _rest_to_dict(e._to_rest_object())
    return _resource(f"{_NS}/registries", e.name, e, rest, ctx.location_of(e))


def _compute(e: Any, ctx: _Context) -> Dict[str, Any]:
    rest = _rest_to_dict(e._to_rest_object())
    name = f"{ctx.workspace_of(e)}/{e.name}"
    return _resource(f"{_NS}/workspaces/computes", name, e, rest, ctx.location_of(e))


def _online_endpoint(e: Any, ctx: _Context) -> Dict[str, Any]:
    location = ctx.location_of(e)
    rest = _rest_to_dict(e._to_rest_online_endpoint(location))
    name = f"{ctx.workspace_of(e)}/{e.name}"
    return _resource(f"{_NS}/workspaces/onlineEndpoints", name, e, rest, location)


def _batch_endpoint(e: Any, ctx: _Context) -> Dict[str, Any]:
    location = ctx.location_of(e)
    rest = _rest_to_dict(e._to_rest_batch_endpoint(location))
    name = f"{ctx.workspace_of(e)}/{e.name}"
    return _resource(f"{_NS}/workspaces/batchEndpoints", name, e, rest, location)


def _online_deployment(e: Any, ctx: _Context) -> Dict[str, Any]:
    location = ctx.location_of(e)
    rest = _rest_to_dict(e._to_rest_object(location))
    endpoint = getattr(e, "endpoint_name", None) or DEFAULT_ENDPOINT
    name = f"{ctx.workspace_of(e)}/{endpoint}/{e.name}"
    return _resource(f"{_NS}/workspaces/onlineEndpoints/deployments", name, e, rest, location)


def _simple_child(collection: str, located: bool) -> Callable[[Any, _Context], Dict[str, Any]]:
    """A workspace child converted by `_to_rest_object()`; proxy resources
    (datastores, connections) have no location in ARM."""

    def convert(e: Any, ctx: _Context) -> Dict[str, Any]:
        rest = _rest_to_dict(e._to_rest_object())
        name = f"{ctx.workspace_of(e)}/{e.name}"
        location = ctx.location_of(e) if located else ""
        if not located:
            rest.pop("location", None)
        return _resource(f"{_NS}/workspaces/{collection}", name, e, rest, location)

    return convert


# Class name along the MRO -> converter; the first match wins, so subclasses
# (Hub, Project, ComputeInstance, …) fall through to their base.
_CONVERTERS: List[Tuple[str, Callable[[Any, _Context], Dict[str, Any]]]] = [
    ("Workspace", _workspace),
    ("Registry", _registry),
    ("Compute", _compute),
    ("OnlineEndpoint", _online_endpoint),
    ("BatchEndpoint", _batch_endpoint),
    ("OnlineDeployment", _online_deployment),
    ("Datastore", _simple_child("datastores", located=False)),
    ("WorkspaceConnection", _simple_child("connections", located=False)),
    ("ServerlessEndpoint", _simple_child("serverlessEndpoints", located=True)),
]


def _converter(entity: Any) -> Optional[Callable[[Any, _Context], Dict[str, Any]]]:
    names = _class_names(entity)
    for cls_name in names:
        for wanted, fn in _CONVERTERS:
            if cls_name == wanted:
                return fn
    return None


def to_arm(entities: List[Any]) -> List[Dict[str, Any]]:
    """Convert azure-ai-ml entities (one `check` call's worth) to ARM resources."""
    ctx = _Context(entities)
    out = []
    for e in entities:
        fn = _converter(e)
        label = f"`{type(e).__name__}` `{getattr(e, 'name', None) or '?'}`"
        if fn is None:
            raise InputError(
                f"azure-ai-ml {label} is not a resource amlguard can check "
                "(supported: workspaces, hubs, projects, registries, computes, online and batch "
                "endpoints, online deployments, datastores, connections, serverless endpoints)"
            )
        if not getattr(e, "name", None):
            raise InputError(f"azure-ai-ml {label} has no name")
        try:
            out.append(fn(e, ctx))
        except InputError:
            raise
        except Exception as ex:  # the SDK's own validation errors
            raise InputError(f"cannot convert azure-ai-ml {label}: {ex}") from ex
    return out


def expand(source: Any) -> Any:
    """Replace azure-ai-ml entities in `source` (one entity, or a list mixing
    entities and plain resource dicts) by ARM resources; other values unchanged."""
    if is_entity(source):
        return to_arm([source])
    if isinstance(source, (list, tuple)) and any(is_entity(x) for x in source):
        entities = [x for x in source if is_entity(x)]
        converted = iter(to_arm(entities))
        return [next(converted) if is_entity(x) else x for x in source]
    return source
