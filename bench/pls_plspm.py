"""The analyst's PLS path model with Python plspm 0.5.7, for the side-by-side benchmark of
`fidelis analyze pls` (bench/pls.sh): the full ECSI model (all blocks mode A, centroid scheme)
on a simulated answers file, standardised per column beforehand (plspm's own `scaled=True`
divides by one pooled deviation, see ../shared/datasets/ecsi/README.md), optionally with a
bootstrap; path coefficients and timings as JSON.

    python bench/pls_plspm.py answers.csv OUT.json [BOOTSTRAP_RESAMPLES]
"""
import json
import sys
import time

import pandas as pd
import plspm.config as c
from plspm.mode import Mode
from plspm.plspm import Plspm
from plspm.scheme import Scheme

path, out = sys.argv[1], sys.argv[2]
boot = int(sys.argv[3]) if len(sys.argv) > 3 else 0
t0 = time.time()
data = pd.read_csv(path)
data = (data - data.mean()) / data.std()
names = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"]
paths = {
    "Expectation": ["Image"],
    "Quality": ["Expectation"],
    "Value": ["Expectation", "Quality"],
    "Satisfaction": ["Image", "Expectation", "Quality", "Value"],
    "Complaints": ["Satisfaction"],
    "Loyalty": ["Image", "Satisfaction", "Complaints"],
}
matrix = pd.DataFrame(0, index=names, columns=names)
for to, froms in paths.items():
    for f in froms:
        matrix.loc[to, f] = 1
config = c.Config(matrix, scaled=False)
prefixes = {"Image": "IMAG", "Expectation": "CUEX", "Quality": "PERQ", "Value": "PERV",
            "Satisfaction": "CUSA", "Complaints": "CUSCO", "Loyalty": "CUSL"}
for lv, p in prefixes.items():
    config.add_lv_with_columns_named(lv, Mode.A, data, p)
t1 = time.time()
kw = {"bootstrap": True, "bootstrap_iterations": boot} if boot else {}
model = Plspm(data, config, Scheme.CENTROID, **kw)
t2 = time.time()
inner = model.path_coefficients()
coef = {f"{f}->{t}": float(inner.loc[t, f]) for t, fs in paths.items() for f in fs}
json.dump({"paths": coef, "seconds": {"read": t1 - t0, "fit": t2 - t1}}, open(out, "w"), indent=2)
print(f"plspm: {len(data)} respondents; read {t1 - t0:.1f} s, fit{' + bootstrap' if boot else ''} {t2 - t1:.1f} s")
