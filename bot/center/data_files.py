"""Reading the center's YAML files through pydantic models, with the file named in every error."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import ConfigurationError

M = TypeVar("M", bound=BaseModel)


def read_data_file(path: Path, model: type[M]) -> M:
    """Load `path` as `model`; a missing, malformed or invalid file stops the start."""
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise ConfigurationError(f"{path}: {first_problem(exc)}") from None


def first_problem(exc: ValidationError) -> str:
    """The first complaint as `key.path: what is wrong`, short enough to read in a start log."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "file"
    return f"{where}: {err['msg']}"
