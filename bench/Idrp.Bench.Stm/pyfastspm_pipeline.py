#!/usr/bin/env python3
"""pyfastspm 1.0.4's converter-notebook pipeline, timed per stage, for the side-by-side benchmark (RESULTS.md).

Stages as examples/pyfastspm_converter.ipynb: FastMovie + correct_phase(0); filter_movie (x, y, 10 x overtones,
high pass 1000/600 Hz, pumps 1500 and 1000 Hz with 3 overtones); reshape udi; Creep 'sin' (0.2, guess 0.3);
interpolate; Drift 'full' step 10; export_movie (hot, contrast (0.01, 0.99), scaling 4 -> 2 for interlaced, labels).
Usage: /usr/bin/python3 pyfastspm_pipeline.py PYFASTSPM_SRC FILE.h5 [...]   (PYFASTSPM_SRC as in the test references)
"""
import contextlib
import io
import os
import resource
import sys
import time

sys.path.insert(0, sys.argv[1])
from pyfastspm.fast_movie import FastMovie  # noqa: E402
from pyfastspm.artefact_removal.fft import filter_movie  # noqa: E402
from pyfastspm.artefact_removal.interpolate import interpolate  # noqa: E402
from pyfastspm.artefact_removal.creep import Creep  # noqa: E402
from pyfastspm.artefact_removal.drift import Drift  # noqa: E402

for path in sys.argv[2:]:
    sink = io.StringIO()
    stages = []
    t0 = last = time.perf_counter()

    def stage(name):
        global last
        now = time.perf_counter()
        stages.append((name, now - last))
        last = now

    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        fm = FastMovie(path, y_phase=0, log_processing=False)
        fm.correct_phase(0, sigma_gauss=0, manual_x=0, manual_y=0)
        stage("load + phase detection")
        filter_movie(fm, [True, True, True, True, True, False, False], None, (0, 40000), (1500.0, 1000.0), 3, 10, (1000.0, 600.0))
        stage("FFT filter")
        fm.reshape_to_movie("udi")
        stage("reshape udi")
        creep = Creep(fm, index_to_linear=0.2, creep_mode="sin")
        grid = creep.fit_creep((0.3,), known_params=None)
        up, down = interpolate(fm, grid=grid, give_grid=True)
        interpolate(fm, grid=grid, interpolation_matrix_up=up, interpolation_matrix_down=down)
        stage("creep + interpolation")
        drift = Drift(fm, stepsize=10, boxcar=True)
        fm.data, _ = drift.correct("full", known_drift=False)
        stage("drift")
        fm.export_movie(color_map="hot", contrast=(0.01, 0.99), output_folder=os.path.dirname(os.path.abspath(path)))
        stage("MP4 export")
    frames = fm.data.shape[0]
    total = time.perf_counter() - t0
    print("%s: %d frames of %d x %d (pyfastspm 1.0.4)" % (os.path.basename(path), frames, fm.data.shape[2], fm.data.shape[1]))
    for name, seconds in stages:
        print("  %-28s %7.2f s" % (name, seconds))
    print("  %-28s %7.2f s  %7.1f frames/s" % ("whole pipeline", total, frames / total))
    print("  peak RSS %.0f MiB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    fm.close()
