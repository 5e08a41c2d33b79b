"""``python -m harness upgrade-claims OLD.toml --out NEW.toml``: a schema-1 claims file as schema 2
(``harness.claims.upgrade``), written only when it validates (atomically: nothing is left behind
otherwise)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("old", metavar="OLD.toml", help="a schema-1 claims file ([params], [fairseq], [hf], [lora])")
    parser.add_argument("--out", metavar="NEW.toml", required=True, help="where to write the schema-2 file")


def main(args) -> int:
    from pathlib import Path

    from harness.claims import upgrade
    from harness.cli.options import input_path, output_file, quote

    input_path(args.old, "OLD.toml: a schema-1 claims file")
    output_file(args.out)
    if Path(args.out).exists():
        raise ValueError(f"{args.out}: exists; give a new path (the upgrade never overwrites a file)")
    path = upgrade.write(args.old, args.out)
    print(f"wrote {path} (schema 2); review the quotes marked in its header, then: "
          f"python -m harness ledger --claims {quote(path)}")
    return 0
