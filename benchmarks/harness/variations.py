"""`--variation=NAME[:flag=value,...]`: parsing and validation.

A variation is a named list of per-run flag overrides applied on top of the
study's base flags. Every mistake is reported before any run starts, with
the valid names and a "did you mean" suggestion, because a typo found after
an hour of training is an hour lost.
"""

import dataclasses
import difflib
import re

# Variation names become folder names, so keep them portable.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# A comma starts a new pair only when a `flag=` follows it, so list values
# such as `metrics=fid,kid` keep their commas.
_PAIR_SEPARATOR = re.compile(r",(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)")


class VariationError(ValueError):
    """A malformed variation or an override of an unknown flag."""


@dataclasses.dataclass(frozen=True)
class Variation:
    """A named set of per-run flag overrides.

    Attributes:
        name: Folder-safe name, e.g. `"label_smoothing"`.
        overrides: Tuple of `(flag_name, value_text)` pairs, in the order given.
    """

    name: str
    overrides: tuple = ()

    def as_args(self):
        """The overrides as command-line arguments (`--flag=value`)."""
        return [f"--{flag}={value}" for flag, value in self.overrides]

    def spec(self):
        """The variation written back in `--variation` syntax."""
        pairs = ",".join(f"{flag}={value}" for flag, value in self.overrides)
        return f"{self.name}:{pairs}" if pairs else self.name


def suggest(name, valid_names):
    """A ` Did you mean 'x'?` suffix for a misspelt name, or an empty string."""
    matches = difflib.get_close_matches(name, list(valid_names), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def parse_variation(text, run_flag_names, study_flag_names=()):
    """Parses one `--variation` value.

    Args:
        text: `"NAME"` or `"NAME:flag=value,flag=value"`.
        run_flag_names: Flags a variation may set.
        study_flag_names: Study-level flags, named in the error when a
            variation tries to set one of them.

    Returns:
        A `Variation`.

    Raises:
        VariationError: Empty or non-portable name, a pair without `=`, an
            unknown or study-level flag, or a flag set twice.
    """
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not _NAME.match(name):
        raise VariationError(
            f"Variation {text!r}: the name {name!r} must start with a letter or "
            "digit and contain only letters, digits, '_', '.' and '-' (it "
            "names a folder). Syntax: --variation=NAME[:flag=value,...]."
        )
    if sep and not rest.strip():
        raise VariationError(
            f"Variation {text!r} has a ':' but no overrides; write "
            f"--variation={name} for the unchanged base flags, or "
            f"--variation={name}:flag=value."
        )
    overrides = []
    seen = set()
    for pair in _PAIR_SEPARATOR.split(rest) if rest.strip() else []:
        flag, eq, value = pair.partition("=")
        flag = flag.strip().lstrip("-")
        if not eq or not flag:
            raise VariationError(
                f"Variation {name!r}: {pair!r} is not a flag=value pair. "
                "Syntax: --variation=NAME:flag=value,flag=value."
            )
        if flag in study_flag_names:
            raise VariationError(
                f"Variation {name!r}: --{flag} is a study flag (it applies to "
                "all runs) and cannot vary per variation; set it outside "
                "--variation."
            )
        if flag not in run_flag_names:
            raise VariationError(
                f"Variation {name!r}: unknown flag {flag!r}."
                f"{suggest(flag, run_flag_names)} Valid flags: "
                f"{', '.join(sorted(run_flag_names))}."
            )
        if flag == "seed":
            raise VariationError(
                f"Variation {name!r}: seeds are set for the whole study with "
                "--seeds, not per variation."
            )
        if flag in seen:
            raise VariationError(f"Variation {name!r} sets --{flag} twice.")
        seen.add(flag)
        overrides.append((flag, value.strip()))
    return Variation(name, tuple(overrides))


def parse_variations(texts, run_flag_names, study_flag_names=()):
    """Parses every `--variation`; an empty list means one `baseline`.

    Raises:
        VariationError: As `parse_variation`, or a name used twice.
    """
    if not texts:
        return [Variation("baseline")]
    result = []
    names = set()
    for text in texts:
        variation = parse_variation(text, run_flag_names, study_flag_names)
        if variation.name in names:
            raise VariationError(
                f"Two variations are named {variation.name!r}; names must be "
                "unique (they name the result folders)."
            )
        names.add(variation.name)
        result.append(variation)
    return result


def select(variations, only=(), skip=()):
    """Applies `--only_variations` / `--skip_variations`.

    Raises:
        VariationError: a name that is not a variation of the study (a typo
            would otherwise silently run everything, or nothing).
    """
    names = [v.name for v in variations]
    for flag, chosen in (("only_variations", only), ("skip_variations", skip)):
        for name in chosen:
            if name not in names:
                raise VariationError(
                    f"--{flag}: {name!r} is not a variation of this study."
                    f"{suggest(name, names)} Variations: {', '.join(names)}."
                )
    kept = [
        v for v in variations if (not only or v.name in only) and v.name not in skip
    ]
    if not kept:
        raise VariationError("--only_variations/--skip_variations leave no variation.")
    return kept
