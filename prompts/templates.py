"""Prompt templates: versioned files with ``$name`` placeholders; a missing variable is an error."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

USER_SPLIT = "\n=== user ===\n"


@dataclass(frozen=True)
class PromptTemplate:
    """A named, versioned template."""

    name: str
    version: str
    body: str

    @property
    def ref(self) -> str:
        """Name and version as recorded in traces and front matter, e.g. ``writer@3``."""
        return f"{self.name}@{self.version}"

    def render(self, **values: object) -> str:
        """Substitute every placeholder; raise KeyError naming any that is missing."""
        try:
            return Template(self.body).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise KeyError(f"template {self.ref} needs variable {exc.args[0]!r}") from None

    def render_pair(self, **values: object) -> tuple[str, str]:
        """Render and split at the ``=== user ===`` line into (system, user) texts."""
        system, sep, user = self.render(**values).partition(USER_SPLIT)
        if not sep:
            raise ValueError(f"template {self.ref} has no '{USER_SPLIT.strip()}' line")
        return system.strip(), user.strip()

    def messages(self, **values: object) -> list:
        """The rendered pair as chat messages: a system message, then the user message."""
        # Imported here: the CLI loads prompts for --help and --dry-run without any model.
        from langchain_core.messages import HumanMessage, SystemMessage

        system, user = self.render_pair(**values)
        return [SystemMessage(system), HumanMessage(user)]


@cache
def load_template(name: str) -> PromptTemplate:
    """Load ``templates/{name}.md``; its first line must be ``version: N``."""
    text = resources.files("mlsd.prompts").joinpath(f"templates/{name}.md").read_text("utf-8")
    first, _, body = text.partition("\n")
    key, _, version = first.partition(":")
    if key.strip() != "version" or not version.strip():
        raise ValueError(f"template {name} must start with a 'version: N' line")
    return PromptTemplate(name=name, version=version.strip(), body=body.lstrip("\n"))


TEMPLATE_NAMES = (
    "archetype",
    "planner",
    "writer_system",
    "section_brief",
    "revision_brief",
    "critic",
    "verifier",
    "judge",
    "judge_pairwise",
    "single_shot",
)


def template_versions() -> dict[str, str]:
    """Version of every template, for traces and front matter."""
    return {name: load_template(name).version for name in TEMPLATE_NAMES}
