#!/bin/bash
# Regenerates the README's results table from round 1's rows and round 2's results/*.json.
cd /tmp/zoostudy
{ /usr/bin/python3 table2.py results/rot64_full300.json | head -2
  /usr/bin/python3 old_rows.py
  /usr/bin/python3 table2.py $(ls results/mini8_full300.json results/rot64_full300.json results/mini8_lora8.json results/mini8_lora8qv.json results/mini8_l2sp100.json results/mini8_l2sp30.json 2>/dev/null) | tail -n +3 | sed 's/^| /| r2: /'
} > /tmp/zoostudy/table_all.md
cat /tmp/zoostudy/table_all.md
