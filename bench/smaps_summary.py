#!/usr/bin/python3
"""smaps_summary.py FILE.smaps... - where a process's resident set goes, from
/proc/PID/smaps kept by bench_kiosk (BENCH_KIOSK_SMAPS=PREFIX): resident KiB
per mapped file (heap, anonymous and shared memory by name), largest first."""
import collections
import sys

for path in sys.argv[1:]:
    rss = collections.Counter()
    name = None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and "-" in parts[0] and ":" in parts[3]:
                name = parts[5] if len(parts) > 5 else "[anonymous]"
            elif parts and parts[0] == "Rss:":
                rss[name] += int(parts[1])
    print("%s: %.1f MiB resident" % (path, sum(rss.values()) / 1024))
    for n, kib in rss.most_common(15):
        print("  %8d KiB  %s" % (kib, n))
