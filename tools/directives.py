#!/usr/bin/env python3
"""Writes src/redis_conf/known.rs: the redis.conf directives each Redis version accepts.

The names come from each version's own loader, src/config.c, because the example redis.conf
files cannot give them: their comments mix commented-out directives with prose that splits into
the same shape (`# save 3600 1` beside `# Note that ...`), and no comment says which values a
directive takes. From config.c we take:

  - the standard configs: create<Type>Config("name", "alias" or NULL, FLAGS, ...), with
    Bool (yes/no) and Enum (the names of its configEnum array) values, and whether the config
    takes several arguments (MULTI_ARG_CONFIG in 7.x; in 6.x a standard config takes one);
  - the directives loadServerConfigFromString handles itself (strcasecmp(argv[0],"name"));
  - the deprecated names 7.x still accepts and ignores (deprecated_configs[]).

The fixtures under tests/fixtures/redis-conf are the redis.conf of the same tags; a test checks
that every directive they set is in the table, and that a real server's CONFIG GET names are.

Usage: tools/directives.py REDIS_GIT_DIR VALKEY_GIT_DIR > src/redis_conf/known.rs
"""

import re
import subprocess
import sys

SOURCES = [
    # (row name, git dir index, tag)
    ("6.0", 0, "6.0.20"),
    ("6.2", 0, "6.2.16"),
    ("7.0", 0, "7.0.15"),
    ("7.2", 0, "7.2.6"),
    ("valkey-8.0", 1, "8.0.1"),
]

ENUM_ARRAY = re.compile(r"configEnum\s+(\w+)\[\]\s*=\s*\{(.*?)\{\s*NULL\s*,\s*0\s*\}\s*\}\s*;", re.S)
CHAIN = re.compile(r'strcasecmp\(argv\[0\],\s*"([^"]+)"\)')
DEPRECATED = re.compile(r'\{"([a-z0-9-]+)",\s*\d+,\s*\d+\}')


def config_c(git_dir, tag):
    return subprocess.run(
        ["git", "-C", git_dir, "show", f"{tag}:src/config.c"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def loader_body(text):
    start = text.index("void loadServerConfigFromString(")
    end = text.index("\n}\n", start)
    return text[start:end]


def calls(text):
    """Each create<Type>Config(...) call with a quoted name: its type and its arguments."""
    for m in re.finditer(r'create(\w+)Config\(\s*"', text):
        depth, i, args, current = 1, m.end() - 1, [], ""
        while depth:
            c = text[i]
            i += 1
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if not depth:
                    break
            if c == "," and depth == 1:
                args.append(current.strip())
                current = ""
            else:
                current += c
        args.append(current.strip())
        yield m.group(1), args


def directives(text, row):
    enums = {
        name: re.findall(r'\{\s*"([^"]+)"', body)
        for name, body in ENUM_ARRAY.findall(text)
    }
    found = {}
    for kind, args in calls(text):
        name, alias, flags = args[0].strip('"'), args[1], args[2]
        if "MODULE_CONFIG" in flags:
            continue
        multi = "MULTI_ARG_CONFIG" in flags
        if kind == "Bool":
            value = ("bool", multi, ())
        elif kind == "Enum":
            value = ("enum", multi, tuple(enums[args[3]]))
        elif kind == "Special":
            value = ("any", True, ())
        else:
            value = ("one", multi, ())
        for n in [name] + ([alias.strip('"')] if alias != "NULL" else []):
            found[n] = value
    body = loader_body(text)
    for name in CHAIN.findall(body):
        found.setdefault(name.lower(), ("any", True, ()))
    for name in DEPRECATED.findall(body):
        found.setdefault(name, ("any", True, ()))
    # Only redis-sentinel accepts it; loadServerConfigFromString refuses it otherwise.
    found.pop("sentinel", None)
    return found


def rust_value(value):
    kind, multi, values = value
    if kind == "bool":
        return "Value::Bool"
    if kind == "enum":
        names = ", ".join(f'"{v}"' for v in values)
        return f"Value::Enum {{ values: &[{names}], several: {str(multi).lower()} }}"
    if kind == "one" and not multi:
        return "Value::One"
    return "Value::Any"


def main():
    git_dirs = sys.argv[1:3]
    rows = {}
    for i, (row, which, tag) in enumerate(SOURCES):
        for name, value in directives(config_c(git_dirs[which], tag), row).items():
            rows.setdefault((name, value), 0)
            rows[(name, value)] |= 1 << i
    tags = ", ".join(
        f"{'Valkey' if which else 'Redis'} {tag}" for _, which, tag in SOURCES
    )
    print("//! The redis.conf directives each version's loader accepts (GENERATED: do not edit).")
    print("//!")
    print(f"//! Made by `tools/directives.py` from `src/config.c` of {tags}")
    print("//! (`git show TAG:src/config.c`): standard configs with their value kinds, the directives the")
    print("//! loader handles itself, and the deprecated names it ignores. Run it again for a new version.")
    print()
    print("use super::check::{Known, Value};")
    print()
    names = ", ".join(f'"{row}"' for row, _, _ in SOURCES)
    print(f"/// The versions, one bit each in `Known::versions` (bit 0 is the first).")
    print(f"pub const VERSIONS: [&str; {len(SOURCES)}] = [{names}];")
    print()
    print("/// Sorted by name; a name whose values differ between versions has one entry per kind.")
    print("pub const DIRECTIVES: &[Known] = &[")
    for (name, value), mask in sorted(rows.items(), key=lambda r: (r[0][0], r[1])):
        print(
            f'    Known {{ name: "{name}", versions: 0b{mask:0{len(SOURCES)}b}, value: {rust_value(value)} }},'
        )
    print("];")


if __name__ == "__main__":
    main()
