# read_pyyaml.py LOADER FILE - reads a YAML stream with PyYAML's safe loader
# (LOADER "py": the pure-Python SafeLoader; "c": CSafeLoader, on libyaml) and
# prints its documents as one JSON array.  Status 3 when the loader is absent.
import json
import sys

import yaml

loader = yaml.SafeLoader
if sys.argv[1] == "c":
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        sys.exit(3)
with open(sys.argv[2], encoding="utf-8", newline="") as f:
    docs = list(yaml.load_all(f, Loader=loader))
json.dump(docs, sys.stdout, ensure_ascii=False)
