"""Round-1 rows (../../../shared/zoo-study/table.md) in table2.py's columns; retention as a share of the gain."""
rows = """mini8_lr1e-4s500 | - | 1893 | 44.5 | 77.5 | 45.9 | 37.0 | 46.1 (0.1) | 45.1 | 54.0 | 0.059 | 0.031
mini8_shipped-lr1e-3s1000 | - | - | 44.5 | 91.8 | 45.2 | 33.2 | 45.5 (0.1) | 44.6 | 61.4 | 0.104 | 0.166
w128p8_lr1e-3s300 | 476 | 495 | 40.6 | 83.8 | 37.3 | 30.4 | 38.5 (0.1) | 38.6 | 57.1 | 0.038 | 0.125
w128p8_lr1e-4s500 | 476 | 1077 | 40.6 | 74.0 | 41.7 | 34.4 | 41.9 (0.1) | 41.8 | 48.4 | 0.051 | 0.035
w256p8pre1k_lr1e-3s150 | 337 | 200 | 38.1 | 71.2 | 37.7 | 30.1 | 38.6 (0.1) | 38.9 | 53.9 | 0.039 | 0.129
w64p8pre1k_lr1e-3s150 | 64 | 70 | 28.4 | 69.1 | 28.2 | 24.8 | 28.4 (0.1) | 28.3 | 42.7 | 0.052 | 0.086
w64p8pre1k_lr1e-3s300 | 64 | 82 | 28.4 | 81.3 | 31.7 | 32.7 | 32.7 (0.3) | 30.7 | 43.9 | 0.048 | 0.112
w64p8pre4k_lr1e-3s300 | 173 | 148 | 45.9 | 85.2 | 44.8 | 36.5 | 45.2 (0.1) | 46.6 | 61.0 | 0.041 | 0.096"""
for line in rows.splitlines():
    n, pre_s, ft_s, p, i, avg, ta, best, ties, ret, cos, tn = [x.strip() for x in line.split('|')]
    p, i = float(p), float(i); g = lambda x: (float(x) - p) / (i - p)
    tsv = iso = gtsv = giso = '-'
    if n.startswith('mini8_shipped'):  # the project's Java TSV-M / ISO-C on the shipped zoo (issue #12's table)
        tsv, iso = '36.4*', '32.7*'; gtsv, giso = f'{g(36.4):.2f}*', f'{g(32.7):.2f}*'
    print(f'| r1: {n} | {pre_s} | {ft_s} | {p:.1f} | {i:.1f} | {avg} | {ta} | {best} | {ties} | {tsv} | {iso} | {g(avg):.2f} | {g(ta):.2f} | {g(ties):.2f} | {gtsv} | {giso} | - | {g(ret):.2f} | - | {cos} | {tn} |')
