"""The one output-format interface: a :class:`Format` renders one kind of document to text, and a
:class:`Registry` per document kind (audit report, fleet document, coverage, explain, alerts) lists the
formats that kind has, in the order ``--help`` shows them.

Importing this module is cheap on purpose (``mfaguard --help`` and an offline audit must start fast):
a registered :class:`FormatSpec` names its renderer *module* and function, imported on first use, and
the renderers import rich / Jinja2 / XML only inside their functions.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TextIO, TypeVar, cast

from mfaguard.errors import UsageError

if TYPE_CHECKING:
    from mfaguard.formats._meta import ControlInfo

__all__ = ["Format", "FormatSpec", "Registry", "RenderOptions"]

D = TypeVar("D")
D_contra = TypeVar("D_contra", contravariant=True)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render; every field has a default so ``RenderOptions()`` is always valid."""

    color: bool = False
    """ANSI colours (table only). The CLI sets it for a terminal unless ``NO_COLOR`` is set."""
    width: int = 100
    """Terminal width in columns (table only); below 80 the table switches to a stacked layout."""
    controls: Sequence[ControlInfo] | None = None
    """Control metadata (rationale, references) to enrich SARIF rules and the HTML report.
    ``None`` means :data:`mfaguard.controls.CONTROLS` when importable; ``()`` means findings only."""
    source_uri: str | None = None
    """Where the audited policy came from (e.g. the snapshot file); SARIF uses it as the location."""
    docs_url: str | None = None
    """Base URL where the control pages (``docs/controls``) are published (``MFAGUARD_DOCS_URL``);
    without it no documentation links are made."""

    @classmethod
    def for_stream(
        cls,
        stream: TextIO | None,
        *,
        environ: Mapping[str, str] | None = None,
        controls: Sequence[ControlInfo] | None = None,
        source_uri: str | None = None,
    ) -> RenderOptions:
        """Options for writing to ``stream`` (``None``: a file from ``--output``).

        Colour on a terminal, or on a pipe with ``FORCE_COLOR`` set; never in a file or with
        ``NO_COLOR`` set (https://no-color.org). The width is the terminal's (``COLUMNS`` wins), 100 for files and pipes.
        """
        env = os.environ if environ is None else environ
        is_tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        # A file never gets escape codes; FORCE_COLOR is for CI logs that render them from a pipe.
        color = stream is not None and not env.get("NO_COLOR") and (is_tty or bool(env.get("FORCE_COLOR")))
        width = 100
        if env.get("COLUMNS", "").isdigit():
            width = int(env["COLUMNS"])
        elif is_tty:
            import shutil

            width = shutil.get_terminal_size((100, 24)).columns
        docs_url = env.get("MFAGUARD_DOCS_URL") or None
        return cls(color=color, width=width, controls=controls, source_uri=source_uri, docs_url=docs_url)


class Format(Protocol[D_contra]):
    """One output format of one kind of document."""

    @property
    def name(self) -> str:
        """What ``--format`` accepts."""
        ...

    @property
    def extension(self) -> str:
        """File extension (without dot) for ``--output`` defaults and downloads."""
        ...

    @property
    def media_type(self) -> str:
        """MIME type (the dashboard's downloads, webhook attachments)."""
        ...

    @property
    def description(self) -> str:
        """One line for ``--help`` and the docs."""
        ...

    def render(self, document: D_contra, options: RenderOptions | None = None) -> str:
        """The document as text in this format."""
        ...


@dataclass(frozen=True, slots=True)
class FormatSpec(Generic[D]):
    """A registered format: its metadata and the renderer ``module.function(document, options)``,
    imported when the format is first used."""

    name: str
    extension: str
    media_type: str
    description: str
    module: str
    """Dotted name of the renderer module."""
    function: str = "render"

    def renderer(self) -> Callable[[D, RenderOptions], str]:
        return cast(
            "Callable[[D, RenderOptions], str]", getattr(importlib.import_module(self.module), self.function)
        )

    def render(self, document: D, options: RenderOptions | None = None) -> str:
        return self.renderer()(document, options or RenderOptions())


@dataclass(frozen=True, slots=True)
class Registry(Generic[D]):
    """The formats of one kind of document, in the order ``--help`` lists them (the first is the default)."""

    kind: str
    """What the documents are ("audit report", "coverage report"), for messages."""
    formats: tuple[FormatSpec[D], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.formats)

    @property
    def default(self) -> FormatSpec[D]:
        return self.formats[0]

    def get(self, name: str) -> FormatSpec[D]:
        """The format called ``name`` (case-insensitive); an unknown name is a usage error (exit 2)."""
        wanted = name.strip().lower()
        for fmt in self.formats:
            if fmt.name == wanted:
                return fmt
        raise UsageError(
            f"unknown output format {name!r}", hint=f"use --format with one of: {', '.join(self.names)}"
        )

    def render(self, name: str, document: D, *, options: RenderOptions | None = None) -> str:
        """Render ``document`` in the format called ``name`` (a usage error if there is none)."""
        return self.get(name).render(document, options)
