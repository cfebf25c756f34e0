#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks `wlbs ... --json` output (stdin) against docs/wlbs-answer.schema.json.

check-answer.py SCHEMA [KEY=VALUE ...]: exit 0 when the output is one JSON
document that the schema accepts and, for an object (or every element of an
array), each KEY has VALUE (compared as text); else prints why, exit 1.
"""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    text = sys.stdin.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print(f"not one JSON document ({e}): {text[:300]!r}")
        return 1
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        print(f"schema: at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}")
    if errors:
        return 1
    for want in sys.argv[2:]:
        key, _, value = want.partition("=")
        for obj in doc if isinstance(doc, list) else [doc]:
            got = obj.get(key)
            if str(got) != value:
                print(f"{key} = {got!r}, want {value!r}")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
