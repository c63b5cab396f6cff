"""Type stubs of the compiled module (internal; use the `amlguard` package API)."""

from typing import Any, Dict, List, Optional, Union

__version__: str

class Error(Exception):
    """Base class of every amlguard error."""

class InputError(Error):
    """Input amlguard cannot use; the message says where (file, JSON pointer, line)."""

class PolicyError(Error):
    """A policy definition amlguard cannot parse or evaluate."""

Json = Union[None, bool, int, float, str, List[Any], Dict[str, Any]]

def parse_json(text: str, file: Optional[str] = None) -> Json: ...
def ingest(kind: str, data: Any, params: List[Union[str, Dict[str, Any]]]) -> Dict[str, Any]: ...
def ingest_json(kind: str, data: Any, params: List[Union[str, Dict[str, Any]]]) -> str: ...
def _roundtrip(obj: Any) -> Json: ...
