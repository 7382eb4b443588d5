"""`scripts/contract --shard K/N`: the split of the operations, and bad values refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from koodrive_spec import Spec

from contract_tests.merge import merge_reports
from contract_tests.runner import SPEC, shard_operations
from contract_tests.sharding import WHOLE, Shard, ShardError

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted(op.operation_id for op in Spec.from_text(SPEC.read_bytes()).operations.values())


@pytest.mark.parametrize("count", range(1, len(OPERATIONS) + 1))
def test_the_shards_are_disjoint_cover_every_operation_and_none_is_empty(count: int) -> None:
    shares = [Shard(k, count).operations(OPERATIONS) for k in range(1, count + 1)]

    assert all(shares), "an empty shard"
    assert sorted(op for share in shares for op in share) == OPERATIONS
    assert sum(len(share) for share in shares) == len(set().union(*map(set, shares)))
    assert max(map(len, shares)) - min(map(len, shares)) <= 1  # dealt evenly


def test_the_split_is_the_same_whatever_order_the_operations_come_in() -> None:
    shuffled = OPERATIONS[::-1] + OPERATIONS[:3]  # reversed, some twice

    for k in (1, 2, 3):
        assert Shard(k, 3).operations(shuffled) == Shard(k, 3).operations(OPERATIONS)
    assert Shard(1, 3).operations(["c", "a", "b", "d"]) == ["a", "d"]
    assert Shard(2, 3).operations(["c", "a", "b", "d"]) == ["b"]


def test_the_runner_splits_only_what_the_run_tests() -> None:
    spec = Spec.from_text(SPEC.read_bytes())
    safe = sorted(op.operation_id for op in spec.operations.values() if op.method == "GET")

    assert shard_operations(WHOLE, True) == []  # the whole run: no filter at all
    read_only = [op for k in (1, 2) for op in shard_operations(Shard(k, 2), False)]
    assert sorted(read_only) == safe
    writing = [op for k in (1, 2, 3) for op in shard_operations(Shard(k, 3), True)]
    assert sorted(writing) == OPERATIONS


def test_only_shard_one_does_what_belongs_to_the_whole_run() -> None:
    assert WHOLE.run_wide
    assert Shard(1, 4).run_wide
    assert not Shard(2, 4).run_wide
    assert not Shard(4, 4).run_wide


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0/3", "K must be from 1 to N"),
        ("4/3", "K must be from 1 to N"),
        ("1/0", "N must be 1 or more"),
        ("2", "must be K/N"),
        ("a/b", "must be K/N"),
        ("-1/3", "must be K/N"),
    ],
)
def test_a_bad_shard_is_refused_clearly(text: str, says: str) -> None:
    with pytest.raises(ShardError, match=says):
        Shard.parse(text)


def test_more_shards_than_operations_are_refused() -> None:
    with pytest.raises(ShardError, match=f"at most {len(OPERATIONS)} shards"):
        Shard(1, len(OPERATIONS) + 1).operations(OPERATIONS)


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--shard", "4/3"], {}, "--shard: K must be from 1 to N (3)"),
        ([], {"KOODRIVE_CONTRACT_SHARD": "x"}, "--shard: must be K/N"),
        (["--shard", f"1/{len(OPERATIONS) + 1}"], {}, "at most"),
    ],
)
def test_the_runner_refuses_a_bad_shard_before_starting_anything(
    args: list[str], env: dict[str, str], says: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "contract_tests", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert "==> contract suite" not in result.stdout


def _report(seed: int) -> dict[str, Any]:
    return {
        "seed": seed,
        "operations": {"tested": 1},
        "test_cases": {"generated": 2},
        "failures": [],
    }


def test_the_merged_report_names_each_shards_seed_when_they_differ() -> None:
    differ = merge_reports([_report(7), None, _report(9)], ["1/3", "2/3", "3/3"])
    same = merge_reports([_report(7), _report(7)], ["1/2", "2/2"])

    assert differ is not None
    assert same is not None
    assert differ["seed"] == "7 (shard 1/3), 9 (shard 3/3)"
    assert (differ["operations"]["tested"], differ["test_cases"]["generated"]) == (2, 4)
    assert same["seed"] == 7
