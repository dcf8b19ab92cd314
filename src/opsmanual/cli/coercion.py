"""Option values made into Python values without pydantic, for the plain types our commands take.

typer 0.29 turns every option's value (a given one or its default) into its Python type through
a pydantic `TypeAdapter`, and importing pydantic for that is a tenth of a cold `validate` of a
2,000-procedure manual and a fifth of a warm one. Most of our options are text, flags, paths and
enumerations: for those, `install` gives typer a coercion that does what its pydantic one does
(a path then goes through typer's own checks), with the same messages, and leaves every other
parameter (numbers, lists) and value (bytes) to typer. With a typer that has no such hook,
nothing changes. `tests/test_cli_coercion.py` holds both ways to the same results.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any


def install() -> None:
    try:
        from typer import core
        from typer._click.utils import _escape_control_characters
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_choice, coerce_cli_path
    except ImportError:  # another typer: its own coercion
        return
    original = getattr(core._TyperParameter, "get_runtime_param", None)
    if original is None or getattr(original, "plain", False):
        return

    class PlainRuntimeParam(RuntimeParam):
        """str, bool, Path and Enum values, as typer's pydantic adapters make them; None (an
        option not given) typer's `coerce` answers before asking."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            annotation = self.annotation
            if annotation is str and not isinstance(value, bytes):
                return str(value)
            if annotation is bool and isinstance(value, bool):
                return value
            if annotation is Path and isinstance(value, str | Path):
                # pydantic's Path(value), then typer's own checks and messages
                path = value if isinstance(value, Path) else Path(value)
                return coerce_cli_path(
                    path, self.parameter_info, path_type=Path, param=param, ctx=ctx
                )
            if isinstance(annotation, type) and issubclass(annotation, Enum):
                try:
                    return coerce_cli_choice(
                        value,
                        choices=list(annotation),
                        case_sensitive=self.parameter_info.case_sensitive,
                        ctx=ctx,
                    )
                except ValueError as exc:  # as typer words pydantic's error
                    from typer._click.exceptions import BadParameter

                    message = _escape_control_characters(f"Value error, {exc}")
                    raise BadParameter(message, ctx=ctx, param=param) from None
            return build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            if _plain(descriptor):
                self._runtime_param = PlainRuntimeParam(
                    annotation=descriptor.annotation, parameter_info=descriptor.parameter_info
                )
            else:
                self._runtime_param = original(self)
        return self._runtime_param

    get_runtime_param.plain = True  # type: ignore[attr-defined]
    core._TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]


def _plain(descriptor: Any) -> bool:
    """Whether the parameter is text, a flag, an enumeration, or a path given as a path."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or getattr(info, "parser", None) is not None:
        return False
    annotation = descriptor.annotation
    if annotation in (str, bool) or (
        annotation is Path and getattr(info, "path_type", None) is None
    ):
        return True
    return isinstance(annotation, type) and issubclass(annotation, Enum)
