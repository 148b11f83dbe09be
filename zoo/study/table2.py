"""Markdown table of study.py results (test split; g(TA) on validation in its own column)."""
import json, glob, os, math, sys
def r(x):
    return '-' if x is None or (isinstance(x, float) and math.isnan(x)) else str(round(x))
print('| config | pretrain s | FT s (8) | pretrained | individual | simple avg | TA@0.3 | best TA (λ) | TIES@0.3 | TSV-M | ISO-C | g(avg) | g(TA) | g(TIES) | g(TSV-M) | g(ISO-C) | g(TA) val | retention g@0.3 | cross-task Δ (val) | mean cos | τ/θ0 |')
print('|' + '---|' * 21)
for f in sys.argv[1:] or sorted(glob.glob('/tmp/zoostudy/results/*.json')):
    R = json.load(open(f)); S = R.get('summary')
    if not S or 'test' not in S: continue
    s, v = S['test'], S['val']
    n = os.path.basename(f)[:-5]
    print(f"| {n} | {r(S['pre_s'])} | {r(S['ft_s'])} | {s['pretrained']:.1f} | {s['individual']:.1f} | {s['simple_avg']:.1f} | {s['ta@0.3']:.1f} | "
          f"{s['best_ta']:.1f} ({s['best_ta_lambda']}) | {s['ties@0.3']:.1f} | {s['tsv_m']:.1f} | {s['iso_c']:.1f} | {s['g_simple_avg']:.2f} | "
          f"{s['g_ta@0.3']:.2f} | {s['g_ties@0.3']:.2f} | {s['g_tsv_m']:.2f} | {s['g_iso_c']:.2f} | {v['g_ta@0.3']:.2f} | {s['retention_rel']:.2f} | "
          f"{v['cross_drop']:.1f} | {S['mean_cos']:.3f} | {S['tau_rel_norm']:.3f} |")
