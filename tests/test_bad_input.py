"""Bad input (issue 12; the table is docs/bad-input.md). Each row of user data, user checkpoint and
results directory is checked where the error is made, in-process: the function the CLI calls raises
one ConfigError of one line naming the file[:line] and the fix. The CLI's error path is one code path
(``harness.__main__``: ``error: <the message>``, exit 2), so it is checked once per verb and kind of
input (:func:`test_the_cli_prints_the_apis_message_exits_2_and_writes_nothing`): exit 2, one error
line that is the API's message, and nothing written (no output directory, no cache entry). The
command-line rows are the CLI's own checks and run through it."""

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from harness.inputs import data
from harness.__main__ import main
from harness.core.config import ConfigError, load_profile
from harness.core.records import SCHEMA_VERSION
from harness.runs import local
from harness.runs.results import load_results
from tests.faults import TINY_PROFILE, child_env
from tests.synthetic import write_results

GOOD = {f"{s}.{e}": ("good w1 w2\nbad w3\n" if e == "review" else "1\n0\n") for s in data.SPLITS
        for e in ("review", "label")}


def _data(d, **files):
    d.mkdir(parents=True, exist_ok=True)
    for name, content in {**GOOD, **files}.items():
        if content is not None:
            (d / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return d


def _cli(argv, tmp_path, capsys, monkeypatch) -> str:
    """Run the CLI in-process; check exit 2, one error line, nothing written; return the line."""
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "cache"))
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error: ")]
    assert code == 2 and len(errors) == 1, f"exit {code}, stderr {err}"
    assert not (tmp_path / "out").exists(), "bad input left an output directory"
    assert not list((tmp_path / "cache").rglob("*.json")), "bad input left a cache entry"
    return errors[0]


def _api_error(call, *args) -> str:
    """The message of the ConfigError that ``call(*args)`` raises (the function the CLI calls): one line."""
    with pytest.raises(ConfigError) as err:
        call(*args)
    message = str(err.value)
    assert "\n" not in message, message
    return message


def _reproduce(tmp_path, data_dir, ckpt, profile=TINY_PROFILE, out=None):
    return ["reproduce", "--profile", str(profile), "--data", str(data_dir), "--checkpoint", str(ckpt),
            "--out", str(out or tmp_path / "out")]


# --- user data -----------------------------------------------------------------------------------

DATA_ROWS = {
    "blank line in reviews": ({"train.review": "good w1\n\nbad\n", "train.label": "1\n0\n1\n"},
                              r"train\.review:2: empty review .*no blank lines"),
    "trailing blank line in labels": ({"valid.label": "1\n0\n\n"}, r"valid\.label:3: empty label"),
    "line counts differ": ({"train.label": "1\n0\n1\n"},
                           r"train\.review: 2 reviews but train\.label has 3 labels: line N"),
    "labels pos/neg": ({"test.label": "pos\nneg\n"}, r"test\.label:1: unknown label 'pos'.*write 0 for negative"),
    "label 2": ({"train.label": "1\n2\n"}, r"train\.label:2: unknown label '2'"),
    "one class only": ({"valid.label": "1\n1\n"}, r"valid\.label: every label is '1'.*both classes"),
    "non-UTF-8 bytes": ({"test.review": b"ok\ncaf\xe9 w1\n"}, r"test\.review:2: not valid UTF-8: re-save"),
    "empty split": ({"test.review": "", "test.label": ""}, r"test\.review: no reviews"),
    "missing split": ({"valid.review": None, "valid.label": None}, r"valid\.review: missing"),
}


@pytest.mark.parametrize("files, message", DATA_ROWS.values(), ids=DATA_ROWS.keys())
def test_bad_user_data(files, message, tiny_cli, tmp_path):
    profile, _, ckpt = tiny_cli
    bad = _data(tmp_path / "data", **files)
    said = _api_error(local.resolve_inputs, load_profile(profile), bad, ckpt)  # what reproduce --data calls
    assert str(bad) in said and re.search(message, said), said


def test_crlf_and_a_byte_order_mark_are_accepted(tmp_path):
    plain = _data(tmp_path / "plain")
    windows = _data(tmp_path / "windows", **{
        name: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode() for name, text in GOOD.items()})
    assert data.validate(windows) == windows
    for split in data.SPLITS:
        assert data.read_split(windows, split) == data.read_split(plain, split)


# --- user checkpoint ----------------------------------------------------------------------------


def _fewer_dict_lines(d):
    lines = (d / "dict.txt").read_text().splitlines()
    (d / "dict.txt").write_text("\n".join(lines[:-8]) + "\n")


def _no_tokenizer(d):
    for name in ("tokenizer.json", "vocab.txt"):
        (d / name).unlink()


def _other_architecture(d):
    import torch

    state = torch.load(d / "model.pt", weights_only=False)
    state["model"] = {k.replace("sentence_encoder", "decoder"): v for k, v in state["model"].items()}
    torch.save(state, d / "model.pt")


def _hf_state_dict(d):
    import torch

    torch.save({"roberta.embeddings.word_embeddings.weight": torch.zeros(3, 2)}, d / "model.pt")


def _truncated(d):
    blob = (d / "model.pt").read_bytes()
    (d / "model.pt").write_bytes(blob[: len(blob) // 2])


CHECKPOINT_ROWS = {
    "dict.txt smaller than the embedding": (_fewer_dict_lines, r"dict\.txt: gives V = 47 .* 55 rows: use the dict\.txt"),
    "missing sentencepiece model": (_no_tokenizer, r"sentencepiece\.bpe\.model: missing .*copy it"),
    "model.pt of another architecture": (_other_architecture, r"model\.pt: no RoBERTa .*another architecture"),
    "model.pt holding an HF state dict": (_hf_state_dict, r"model\.pt: not a fairseq checkpoint .*give the fairseq"),
    "truncated model.pt": (_truncated, r"model\.pt: cannot be read .*truncated or corrupt: copy"),
}


@pytest.mark.parametrize("damage, message", CHECKPOINT_ROWS.values(), ids=CHECKPOINT_ROWS.keys())
def test_bad_user_checkpoint(damage, message, tiny_cli, tmp_path):
    profile, data_dir, ckpt = tiny_cli
    bad = shutil.copytree(ckpt, tmp_path / "ckpt")
    damage(bad)
    said = _api_error(local.resolve_inputs, load_profile(profile), data_dir, bad)  # reproduce --checkpoint
    assert str(bad) in said and re.search(message, said), said


# --- results directory (ledger --results; the gate and the report read it the same way) ---------


def _mixed_profiles(root):
    victim = root / "smoke" / "smoke-hf-random-seed2.json"
    shutil.copy(victim, root / "lab" / "smoke-hf-random-seed2.json")


def _duplicate(root):
    shutil.copy(root / "smoke" / "smoke-hf-random-seed2.json", root / "smoke" / "smoke-hf-random-seed2 (copy).json")


def _schema(root):
    path = root / "smoke" / "smoke-hf-random-seed2.json"
    now = f'"schema": {SCHEMA_VERSION}'
    assert now in path.read_text()
    path.write_text(path.read_text().replace(now, f'"schema": {SCHEMA_VERSION + 1}'))


def _data_hash(root):
    path = root / "smoke" / "smoke-hf-random-seed2.json"
    path.write_text(path.read_text().replace('"d' + "d" * 63 + '"', '"e' + "e" * 63 + '"'))


RESULTS_ROWS = {
    "mixed profiles": (_mixed_profiles, r"lab/smoke-hf-random-seed2\.json: holds run .*profile 'smoke'.*/smoke/smoke-hf-random-seed2\.json: move it there"),
    "duplicate specs": (_duplicate, r"seed2 \(copy\)\.json: .*a duplicate of smoke-hf-random-seed2\.json: keep one"),
    "unknown schema version": (_schema, rf"seed2\.json: .*schema version {SCHEMA_VERSION + 1}, this harness reads {SCHEMA_VERSION}: recompute"),
    "another data hash": (_data_hash, r"seed2\.json: data hash eeeeeeeeeeee differs from .*'s dddddddddddd"),
}


def _results(tmp_path, damage):
    root = write_results(tmp_path / "results", "smoke")
    write_results(root, "lab", frameworks=("fairseq",))
    damage(root)
    return root


@pytest.mark.parametrize("damage, message", RESULTS_ROWS.values(), ids=RESULTS_ROWS.keys())
def test_bad_results_directory(damage, message, tmp_path):
    said = _api_error(load_results, _results(tmp_path, damage))  # what ledger/gate/report --results call
    assert re.search(message, said), said


def test_results_one_level_too_high_names_the_folder_below(tmp_path):
    """``reproduce --out out`` writes out/results/<profile>/: ``--results out`` gets the folder to pass."""
    write_results(tmp_path / "run" / "results", "smoke")
    (tmp_path / "run" / "report").mkdir()  # what reproduce writes beside it
    said = _api_error(load_results, tmp_path / "run")
    results = tmp_path / "run" / "results"
    assert said == f"{tmp_path / 'run'}: no result files here, but {results} holds them: pass {results} " \
                   "(a results directory is <dir>/<profile>/<run>.json)", said


# --- the CLI's error path: once per verb and kind of input ---------------------------------------


def _one_row(kind, tiny_cli, tmp_path):
    """(argv, the API call) for one row of ``kind``'s table."""
    profile, data_dir, ckpt = tiny_cli
    if kind == "reproduce --data":
        bad = _data(tmp_path / "data", **DATA_ROWS["labels pos/neg"][0])
        return _reproduce(tmp_path, bad, ckpt), (local.resolve_inputs, load_profile(profile), bad, ckpt)
    if kind == "reproduce --checkpoint":
        bad = shutil.copytree(ckpt, tmp_path / "ckpt")
        CHECKPOINT_ROWS["dict.txt smaller than the embedding"][0](bad)
        return _reproduce(tmp_path, data_dir, bad), (local.resolve_inputs, load_profile(profile), data_dir, bad)
    root = _results(tmp_path, RESULTS_ROWS["another data hash"][0])
    return ["ledger", "--results", str(root), "--out", str(tmp_path / "out" / "ledger.md")], (load_results, root)


@pytest.mark.parametrize("kind", ["reproduce --data", "reproduce --checkpoint", "ledger --results"])
def test_the_cli_prints_the_apis_message_exits_2_and_writes_nothing(kind, tiny_cli, tmp_path, capsys, monkeypatch):
    argv, (call, *args) = _one_row(kind, tiny_cli, tmp_path)
    said = _api_error(call, *args)
    assert _cli(argv, tmp_path, capsys, monkeypatch) == f"error: {said}"


# --- command line -------------------------------------------------------------------------------


@pytest.mark.heavy  # an interpreter: the process's own exit code
def test_unknown_profile_exits_2_in_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "harness", "reproduce", "--profile", "smok",
                           "--out", str(tmp_path / "out")], env=child_env(tmp_path / "cache"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "error: unknown profile 'smok': give one of lab, smoke or the path " \
                                  "of a profile TOML file", proc.stderr
    assert not (tmp_path / "out").exists()


def test_out_is_a_file(tiny_cli, tmp_path, capsys, monkeypatch):
    _, data_dir, ckpt = tiny_cli
    (tmp_path / "file").write_text("keep me")
    line = _cli(_reproduce(tmp_path, data_dir, ckpt, out=tmp_path / "file"), tmp_path, capsys, monkeypatch)
    assert "file: --out is a file, not a directory" in line and (tmp_path / "file").read_text() == "keep me"


def _cli_as_another_user(argv) -> tuple[int, str]:
    """The CLI in a forked child that, when we are root (who ignores permission bits), first drops
    to the user nobody: (exit code, stderr)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 70
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            sys.stderr = io.StringIO()
            code = main(argv)
        finally:
            os.write(write, sys.stderr.getvalue().encode() if isinstance(sys.stderr, io.StringIO) else b"")
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as fh:
        err = fh.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), err


def test_out_in_a_read_only_directory():
    base = Path(tempfile.mkdtemp(prefix="lab-ro-"))  # under /tmp: every user may pass through
    try:
        base.chmod(0o755)
        ro = base / "ro"
        ro.mkdir(mode=0o555)
        ro.chmod(0o555)
        argv = ["reproduce", "--profile", str(TINY_PROFILE), "--out", str(ro / "out")]
        code, err = _cli_as_another_user(argv)
        assert code == 2, err
        assert err.strip() == f"error: {ro}: --out {ro / 'out'} is not writable (Permission denied): " \
                              "choose a directory you can write to", err
        assert list(ro.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_data_flag_wins_over_lab_data_and_says_so(tiny_cli, tmp_path, capsys, monkeypatch):
    _, good, ckpt = tiny_cli
    bad = _data(tmp_path / "flag-data", **{"train.label": "1\n1\n"})
    monkeypatch.setenv(data.DATA_ENV, str(good))
    line = _cli(_reproduce(tmp_path, bad, ckpt), tmp_path, capsys, monkeypatch)
    assert str(bad / "train.label") in line, "the --data directory was not the one used"
    monkeypatch.setenv(data.DATA_ENV, str(good))
    assert data.user_data_dir(bad) == bad
    note = capsys.readouterr().err
    assert f"note: --data {bad} wins over $LAB_DATA={good}; using {bad}" in note, note
