"""The JSON description of a saved object that the checkpoint goldens compare (format in
generate_checkpoints.py's docstring).

Shared by tests/golden/generate_checkpoints.py (torch objects, torch venv) and
tests/serialization/_checkpoint_helpers.py (nnx objects, no torch), so both sides walk an
object the same way. It imports neither library: a subclass names its tensor and size
classes and describes one tensor.
"""

from abc import ABC, abstractmethod
from collections import OrderedDict


class TreeDescriber(ABC):
    """Callable ``(obj, path) -> node``; subclasses set ``tensor_type`` and ``size_type`` and
    implement ``_tensor(tensor, path)``."""

    tensor_type = None
    size_type = None

    def __init__(self):
        self.seen = {}

    def __call__(self, obj, path):
        shareable = (self.tensor_type, dict, list)
        if id(obj) in self.seen and isinstance(obj, shareable):
            return {"same_as": self.seen[id(obj)]}
        if isinstance(obj, shareable):
            self.seen[id(obj)] = path
        if isinstance(obj, self.tensor_type):
            return self._tensor(obj, path)
        if isinstance(obj, OrderedDict):
            node = {"OrderedDict": [[k, self(v, f"{path}/{k}")] for k, v in obj.items()]}
            if hasattr(obj, "_metadata"):
                node["metadata"] = self(obj._metadata, f"{path}/_metadata")
            return node
        if isinstance(obj, dict):
            return {"dict": [[k, self(v, f"{path}/{k}")] for k, v in obj.items()]}
        if isinstance(obj, self.size_type):
            return {"Size": list(obj)}
        if isinstance(obj, (list, tuple)):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {kind: [self(v, f"{path}/{i}") for i, v in enumerate(obj)]}
        if obj is None:
            return {"none": None}
        if isinstance(obj, bytes):
            return {"bytes_hex": obj.hex()}
        for kind in (bool, int, float, str):
            if type(obj) is kind:
                return {kind.__name__: obj}
        raise TypeError(f"no description for {type(obj)}")

    @abstractmethod
    def _tensor(self, tensor, path):
        """The node of one tensor (the library-specific part)."""
