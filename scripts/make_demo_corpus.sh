#!/usr/bin/env bash
# Rebuild src/wordspace/data/kjv.txt.gz from Debian's bible-kjv packages (public-domain text).
set -euo pipefail
apt-get install -y bible-kjv >/dev/null     # pulls bible-kjv-text (the compressed text)
tmp=$(mktemp)
bible -l100000 gen1:1-rev22:21 > "$tmp"
python3 - "$tmp" <<'PY'
import re, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^\s+\d+\s+(.*)$", line)           # verse lines: "  <n> <text>"
    if m:
        toks = re.findall(r"[a-z]+", m.group(1).lower())
        if toks:
            out.append(" ".join(toks))
open("kjv.txt", "w").write("\n".join(out) + "\n")
print(len(out), "verses,", sum(len(l.split()) for l in out), "words")
PY
gzip -9 -n -f kjv.txt
mv kjv.txt.gz "$(dirname "$0")/../src/wordspace/data/kjv.txt.gz"
rm -f "$tmp"
