"""Input errors are public API: each names the field path, the rule broken and a Chinese message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    path: str  # e.g. "projects[0].construction_end"
    rule: str  # stable machine name, e.g. "non_negative"
    message: str  # for a person, in Chinese

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.rule}]"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "rule": self.rule, "message": self.message}


class InputError(ValueError):
    """One or more fields of an input broke a rule. Nothing was evaluated or written."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @classmethod
    def single(cls, path: str, rule: str, message: str) -> InputError:
        return cls([FieldError(path, rule, message)])
