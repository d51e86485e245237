"""One TAP test per capture file, shared by compare.py and roundtrip.py."""
import json
import os
import sys


def run_per_file(argv, usage, check, problem_word):
    """argv is MEMTYPE CAPTURE...; check(memtype, path) returns (ok text,
    problems). A file that check cannot read is a failure with the reason.
    Exit status: 0 all ok, 1 any failure, 2 usage."""
    if len(argv) < 2:
        print(f"usage: {usage}", file=sys.stderr)
        return 2
    memtype, paths = argv[0], argv[1:]
    print(f"1..{len(paths)}")
    failed = 0
    for n, path in enumerate(paths, 1):
        name = os.path.basename(path)
        try:
            ok_text, problems = check(memtype, path)
        except (ValueError, RuntimeError, KeyError, TypeError, json.JSONDecodeError) as e:
            print(f"not ok {n} - {name}: {e}")
            failed += 1
            continue
        if problems:
            failed += 1
            print(f"not ok {n} - {name}: {len(problems)} {problem_word}")
            for p in problems:
                print(f"#   {p}")
        else:
            print(f"ok {n} - {name}: {ok_text}")
    return 1 if failed else 0
