"""The parse cache: a second load reads unchanged files from it, and nothing a command says
depends on whether it did (parse_cache.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from manualkit import BASE, NOW, write_manual
from opsmanual import manual, parallel, parse_cache
from opsmanual.cli import app
from opsmanual.parse_cache import MAGIC, ParseCache
from opsmanual.source import FolderSource

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "manuals" / name for name in ("operations", "operations-en", "company")]
HOSTILE = sorted((ROOT / "tests" / "hostile" / "manual-files").iterdir())
FORMATS = ("text", "json", "sarif", "github")


def validate(root: Path, cache: Path | str, fmt: str = "json", lang: str = "en") -> str:
    """The whole output of `validate` with this cache folder (`off`: none)."""
    env = {"OPSMANUAL_NOW": NOW, "OPSMANUAL_CACHE_DIR": str(cache), "OPSMANUAL_LANG": lang}
    result = CliRunner().invoke(app, ["validate", "--no-git", "-m", str(root), "-f", fmt], env=env)
    assert result.exit_code in (0, 1), result.output
    return f"{result.exit_code}\n{result.stdout}"


def loaded(root: Path, folder: Path) -> ParseCache:
    """Load the manual with the cache in `folder` and return the cache as it was used."""
    used: list[ParseCache] = []
    original = manual._cache_for

    def spy(source: FolderSource) -> ParseCache:
        used.append(original(source))
        return used[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPSMANUAL_CACHE_DIR", str(folder))
        patch.setattr(manual, "_cache_for", spy)
        manual.load_manual(FolderSource(root))
    return used[0]


def shards(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "parse").glob("*/*") if p.is_file())


def yaml_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*.y*ml") if p.is_file())


# --- the same bytes out, cache or not -------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_examples_say_the_same_with_and_without_the_cache(
    example: Path, lang: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    for fmt in FORMATS:
        without = validate(example, "off", fmt, lang)
        assert validate(example, cache, fmt, lang) == without  # cold on the first format
        assert validate(example, cache, fmt, lang) == without  # warm
    assert loaded(example, cache).hits == yaml_files(example)


@pytest.mark.parametrize("payload", HOSTILE, ids=lambda p: p.name)
def test_hostile_files_give_the_same_findings_warm_and_cold(payload: Path, tmp_path: Path) -> None:
    folder, _, name = payload.name.partition("--")
    target = {"manual": "manual.yaml", "records": f"records/{name.split('-')[0]}.yaml"}.get(
        folder, f"{folder}/{name}"
    )
    root = write_manual(tmp_path / "m")
    (root / target).write_bytes(payload.read_bytes())
    cache = tmp_path / "cache"
    for lang in ("en", "zh-CN"):  # a finding's words follow the language, warm or cold
        without = validate(root, "off", "text", lang)
        assert validate(root, cache, "text", lang) == without
        assert validate(root, cache, "text", lang) == without


_SCALARS = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["2026-02-30", "'1.0'", "[a, b]", "{x: 1}", "&a [1]", "*a", "｛a｝", "！"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=st.sampled_from(sorted(BASE)),
    line=st.integers(min_value=0, max_value=12),
    value=_SCALARS,
)
def test_any_edit_gives_the_same_findings_with_a_warm_cache(
    tmp_path_factory: pytest.TempPathFactory, file: str, line: int, value: object
) -> None:
    """A warm cache, then one file edited: the findings are those of a load without a cache."""
    tmp = tmp_path_factory.mktemp("edit")
    root = write_manual(tmp / "m")
    cache = tmp / "cache"
    validate(root, cache)  # every file cached
    lines = BASE[file].splitlines()
    index = min(line, len(lines) - 1)
    key = lines[index].split(":", 1)[0] if ":" in lines[index] else lines[index]
    lines[index] = f"{key}: {value}"
    (root / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for fmt in ("json", "text"):
        assert validate(root, cache, fmt) == validate(root, "off", fmt)
    assert validate(root, cache) == validate(root, "off")  # and once more, now warm


# --- hits and misses ------------------------------------------------------------------------


def test_second_load_hits_every_file(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    first = loaded(root, cache)
    assert (first.hits, first.misses) == (0, yaml_files(root))
    second = loaded(root, cache)
    assert (second.hits, second.misses) == (yaml_files(root), 0)


def test_an_edited_file_misses_and_is_read_anew(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    assert '"errors": 0' in validate(root, cache)
    clerk = root / "roles" / "clerk.yaml"
    clerk.write_text(BASE["roles/clerk.yaml"].replace("duties", "dutys"), encoding="utf-8")
    again = loaded(root, cache)
    assert (again.hits, again.misses) == (yaml_files(root) - 1, 1)
    assert "unknown field `dutys`" in validate(root, cache)
    clerk.write_text(BASE["roles/clerk.yaml"], encoding="utf-8")  # back as it was
    assert loaded(root, cache).hits == yaml_files(root)  # its entry was kept, not the broken one
    assert '"errors": 0' in validate(root, cache)


def test_files_with_findings_are_never_cached(tmp_path: Path) -> None:
    root = write_manual(
        tmp_path / "m",
        {"units/team.yaml": "id: team\nname: a\nname: b\n", "procedures/plan.yaml": ""},
    )
    cache = tmp_path / "cache"
    validate(root, cache)
    assert loaded(root, cache).misses == 2


def test_a_removed_file_leaves_the_cache(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    validate(root, cache)
    (root / "units" / "team.yaml").unlink()
    validate(root, cache)
    kept = {path for shard in shards(cache) for path in parse_cache._read_shard(shard)}
    assert "units/team.yaml" not in kept and "units/ops.yaml" in kept


def test_a_moved_manual_has_a_cache_of_its_own(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    validate(root, cache)
    moved = shutil.copytree(root, tmp_path / "elsewhere")
    assert loaded(moved, cache).hits == 0


def test_forked_parsing_fills_and_reads_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_manual(tmp_path / "m", {"units/team.yaml": "id: team\nname: a\nname: b\n"})
    without = validate(root, "off", "text")
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(manual, "PARALLEL_FROM", 1)
    monkeypatch.setattr(manual, "PARSE_CHUNK", 2)
    cache = tmp_path / "cache"
    assert validate(root, cache, "text") == without
    assert validate(root, cache, "text") == without
    assert loaded(root, cache).hits == yaml_files(root) - 1


def test_another_version_of_the_code_starts_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    validate(root, cache)
    monkeypatch.setattr(parse_cache, "salt", lambda: b"\0" * 32)
    assert loaded(root, cache).hits == 0
    assert loaded(root, cache).hits == yaml_files(root)


# --- where, and off --------------------------------------------------------------------------


def test_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_manual(tmp_path / "m")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    for off in ("off", "0", "no", ""):
        validate(root, off)
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists()
    assert list(root.rglob("*")) == [p for p in root.rglob("*") if p.suffix in (".yaml", "")]


@pytest.mark.parametrize("xdg", [True, False])
def test_without_the_variable_the_user_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: bool
) -> None:
    root = write_manual(tmp_path / "m")
    monkeypatch.delenv("OPSMANUAL_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if xdg:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        where = tmp_path / "xdg" / "opsmanual" / "parse"
    else:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        where = tmp_path / "home" / ".cache" / "opsmanual" / "parse"
    result = CliRunner().invoke(app, ["validate", "--no-git", "-m", str(root)])
    assert result.exit_code == 0, result.output
    assert len([p for p in where.glob("*/*") if p.is_file()]) > 0
    (folder,) = [p for p in where.iterdir() if p.is_dir()]
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())


# --- a cache that cannot be trusted or written ----------------------------------------------


def test_a_corrupt_shard_is_a_miss_and_is_rewritten(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    without = validate(root, "off")
    validate(root, cache)
    for shard in shards(cache):
        data = bytearray(shard.read_bytes())
        data[-1] ^= 0xFF  # one bit of the body: the checksum no longer matches
        shard.write_bytes(bytes(data))
    assert loaded(root, cache).hits == 0
    assert validate(root, cache) == without
    assert loaded(root, cache).hits == yaml_files(root)


@pytest.mark.parametrize(
    "damage",
    [
        "empty",
        "garbage",
        "truncated",
        "header-only",
        "other-salt",
        "not-a-dict",
        "bad-entries",
        "bad-data",
    ],
)
def test_damaged_shards_never_break_a_load(tmp_path: Path, damage: str) -> None:
    import hashlib
    import marshal

    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    without = validate(root, "off")
    validate(root, cache)
    salt = parse_cache.salt()

    def signed(body: bytes, salt: bytes = salt) -> bytes:
        return MAGIC + salt + hashlib.sha256(body).digest() + body

    def digest(path: Path) -> bytes:
        return hashlib.sha256(path.read_bytes()).digest()

    for shard in shards(cache):
        whole = shard.read_bytes()
        shard.write_bytes(
            {
                "empty": b"",
                "garbage": os.urandom(200),
                "truncated": whole[: len(whole) // 2],
                "header-only": MAGIC,
                "other-salt": signed(whole[len(MAGIC) + 64 :], b"x" * 32),
                "not-a-dict": signed(marshal.dumps([1, 2, 3])),
                "bad-entries": signed(marshal.dumps({p: "x" for p in BASE})),
                "bad-data": signed(marshal.dumps({p: (digest(root / p), b"\xff") for p in BASE})),
            }[damage]
        )
    assert validate(root, cache) == without
    assert validate(root, cache) == without


def test_shards_others_could_write_are_not_read(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    validate(root, cache)
    for shard in shards(cache):
        shard.chmod(0o666)
    assert loaded(root, cache).hits == 0


def test_a_link_in_place_of_a_shard_is_not_followed(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"
    validate(root, cache)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for shard in shards(cache):
        moved = elsewhere / shard.name
        shard.rename(moved)
        shard.symlink_to(moved)
    assert loaded(root, cache).hits == 0


def test_an_unwritable_cache_folder_costs_time_not_the_load(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m", {"units/team.yaml": "id: team\nname: a\nname: b\n"})
    without = validate(root, "off", "text")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    assert validate(root, blocked, "text") == without
    assert validate(root, blocked / "below", "text") == without
    if os.geteuid() != 0:  # root writes anywhere
        read_only = tmp_path / "read-only"
        read_only.mkdir(mode=0o500)
        assert validate(root, read_only, "text") == without


def test_a_failing_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsmanual import atomic

    root = write_manual(tmp_path / "m")
    cache = tmp_path / "cache"

    def crash(tmp: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_replace", crash)
    assert '"errors": 0' in validate(root, cache)
    assert [p for p in (cache / "parse").rglob("*") if p.is_file()] == []


def test_unused_manual_folders_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    roots = [write_manual(tmp_path / f"m{i}") for i in range(4)]
    monkeypatch.setattr(parse_cache, "MANUALS", 2)
    for root in roots:
        (cache / "parse" / ".pruned").unlink(missing_ok=True)  # prune on every save
        validate(root, cache)
    kept = [p for p in (cache / "parse").iterdir() if p.is_dir()]
    assert len(kept) == 2
    assert loaded(roots[-1], cache).hits == yaml_files(roots[-1])
    old = kept[0]
    os.utime(old, (0, 0))  # unused since 1970
    (cache / "parse" / ".pruned").unlink()
    (roots[-1] / "units" / "team.yaml").write_text(BASE["units/team.yaml"] + "# edited\n")
    validate(roots[-1], cache)
    assert not old.exists() or old == loaded(roots[-1], cache).folder
