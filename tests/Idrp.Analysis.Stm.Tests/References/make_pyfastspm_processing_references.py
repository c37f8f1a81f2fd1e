#!/usr/bin/env python3
"""Writes the pyfastspm references for the corrections (phase detection, FFT filter, interpolation, creep, drift).

Runs the real pyfastspm 1.0.4 (fastspm/pyfastspm @ v1.0.4, MIT) on the synthetic movie with the settings of its
converter notebook (examples/pyfastspm_converter.ipynb): auto x phase from frame 0, FFT filters x, y, 10 x overtones,
high pass 1000 Hz / 600 Hz, pump lines 1500 and 1000 Hz with 3 overtones; channels udi; creep 'sin' with
index_to_linear 0.2 and initial guess 0.3; interpolation; drift 'full' with stepsize 10 and boxcar.
Writes float32 .npy frames and processing.json (numbers) into OUT_DIR.

Usage (Debian: python3-numpy python3-h5py python3-scipy python3-tqdm python3-packaging python3-matplotlib
python3-skimage): /usr/bin/python3 make_pyfastspm_processing_references.py PYFASTSPM_SRC SYNTHETIC.h5 OUT_DIR
where PYFASTSPM_SRC holds the pyfastspm package folder with its __init__.py reduced to `__version__ = "1.0.4"`.
"""
import contextlib
import io
import json
import os
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
from pyfastspm.fast_movie import FastMovie  # noqa: E402
from pyfastspm.artefact_removal.fft import filter_movie  # noqa: E402
from pyfastspm.artefact_removal.interpolate import interpolate  # noqa: E402
from pyfastspm.artefact_removal.creep import Creep  # noqa: E402

src, out = sys.argv[2], sys.argv[3]
result = {"source": os.path.basename(src), "pyfastspm": "1.0.4"}


def save(name, frame):
    np.save(os.path.join(out, name), np.ascontiguousarray(frame, dtype="<f4"))


filterparam = [True, True, True, True, True, False, False]
quiet = contextlib.redirect_stdout(io.StringIO())

# 1. phase
fm = FastMovie(src, y_phase=0, log_processing=False)
result["auto_x_phase"] = int(fm.correct_phase(0, sigma_gauss=0, manual_x=0, manual_y=0))
fm.close()

# 2. FFT filter (file phase, so that the filter is checked alone), udf frames
fm = FastMovie(src, log_processing=False)
with quiet:
    filter_movie(fm, filterparam, None, (0, 40000), (1500.0, 1000.0), 3, 10, (1000.0, 600.0))
fm.reshape_to_movie("udf")
for k in (0, 25, 49):
    save("pfs_fft_udf_frame%d.npy" % k, fm.data[k])
fm.close()

# 3. interpolation without creep (raw udi and udf at the file phase)
for ch in ("udi", "udf"):
    fm = FastMovie(src, log_processing=False)
    fm.reshape_to_movie(ch)
    with quiet:
        interpolate(fm, grid=None)
    for k in (0, 1):
        save("pfs_interp_%s_frame%d.npy" % (ch, k), fm.data[k])
    fm.close()

# 4. the notebook pipeline up to creep + interpolation
fm = FastMovie(src, y_phase=0, log_processing=False)
fm.correct_phase(0, sigma_gauss=0, manual_x=0, manual_y=0)
with quiet:
    filter_movie(fm, filterparam, None, (0, 40000), (1500.0, 1000.0), 3, 10, (1000.0, 600.0))
fm.reshape_to_movie("udi")
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    creep = Creep(fm, index_to_linear=0.2, creep_mode="sin")
    grid = creep.fit_creep((0.3,), known_params=None)
result["creep_parameter"] = float(printed.getvalue().split("result: [")[1].split("]")[0])
result["creep_pixel_shift"] = float(creep.pixel_shift)
result["creep_upper_bound"] = float(creep.bounds[1])
np.save(os.path.join(out, "pfs_creep_grid_up.npy"), np.ascontiguousarray(grid[0], dtype="<f8"))
with quiet:
    interpolate(fm, grid=grid)
for k in (0, 1, 49):
    save("pfs_pipeline_udi_frame%d.npy" % k, fm.data[k])

# 5. drift (needs scikit-image)
try:
    from pyfastspm.artefact_removal.drift import Drift
    with quiet:
        drift = Drift(fm, stepsize=10, boxcar=True)
        corrected, path = drift.correct("full", known_drift=False)
    result["drift_path"] = np.asarray(path).tolist()
    result["drift_shape"] = list(corrected.shape)
    for k in (0, 49):
        save("pfs_drift_udi_frame%d.npy" % k, corrected[k])
except ImportError as e:
    result["drift"] = "not run: %s" % e
fm.close()

with open(os.path.join(out, "pyfastspm_processing.json"), "w") as f:
    json.dump(result, f, indent=1)
print(json.dumps({k: v for k, v in result.items() if k != "drift_path"}))
