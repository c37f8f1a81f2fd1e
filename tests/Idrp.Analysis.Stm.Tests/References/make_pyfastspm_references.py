#!/usr/bin/env python3
"""Writes the pyfastspm reference frames the FAST reader tests compare against.

Runs the real pyfastspm 1.0.4 FastMovie (fastspm/pyfastspm @ v1.0.4, MIT) on the synthetic movie in
shared/data/stm/synthetic and records, for each channel descriptor and phase setting:
  * the SHA-256 of the whole reshaped movie (float32, little-endian, C order: frame, row, column),
  * for the file's own phase, frame 0 and the last frame as int16 .npy (the values are whole ADC counts, so int16 is exact).

Usage (Debian: apt-get install python3-numpy python3-h5py python3-scipy python3-tqdm python3-packaging
python3-matplotlib python3-pil):
  /usr/bin/python3 make_pyfastspm_references.py PYFASTSPM_SRC SYNTHETIC.h5 OUT_DIR
where PYFASTSPM_SRC holds the pyfastspm package folder (its __init__.py may be reduced to
`__version__ = "1.0.4"` so that only fast_movie.py and its imports load).
"""
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
from pyfastspm.fast_movie import FastMovie  # noqa: E402

src, out = sys.argv[2], sys.argv[3]
cases = []
for x_phase, y_phase in ((None, None), (0, 1), (-7, 0)):
    for ch in ("uf", "ub", "df", "db", "udf", "udb", "ui", "di", "udi"):
        fm = FastMovie(src, x_phase=x_phase, y_phase=y_phase, log_processing=False)
        fm.reshape_to_movie(ch)
        data = np.ascontiguousarray(fm.data, dtype="<f4")
        tag = "%s_x%s_y%s" % (ch, fm.x_phase, fm.y_phase)
        samples = {}
        # value samples only for the file's own phase (enough to diagnose a mismatch); hashes for all
        for k in ((0, data.shape[0] - 1) if x_phase is None else ()):
            name = "pyfastspm_%s_frame%d.npy" % (tag, k)
            assert np.array_equal(data[k], data[k].astype(np.int16))
            np.save(os.path.join(out, name), data[k].astype("<i2"))
            samples[str(k)] = name
        cases.append({
            "channels": ch, "x_phase": int(fm.x_phase), "y_phase": int(fm.y_phase),
            "frames": int(data.shape[0]), "rows": int(data.shape[1]), "columns": int(data.shape[2]),
            "fps": float(fm.fps), "sha256": hashlib.sha256(data.tobytes()).hexdigest(), "samples": samples,
        })
        fm.close()
with open(os.path.join(out, "pyfastspm_reshape.json"), "w") as f:
    json.dump({"source": os.path.basename(src), "pyfastspm": "1.0.4", "cases": cases}, f, indent=1)
print("wrote %d cases" % len(cases))
