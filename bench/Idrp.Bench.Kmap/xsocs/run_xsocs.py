#!/usr/bin/python3
"""Runs X-SOCS' own Q-space conversion and peak fits on a KMAP master file, for the side-by-side benchmark.

X-SOCS is imported from a source tree whose Cython extensions build_xsocs.py has built; nothing of it is copied here.
Its 2017 converter (the only X-SOCS whose source is at hand) always applies its 3x3 median filter.

Usage: /usr/bin/python3 run_xsocs.py XSOCS_SOURCE_DIR MASTER OUT_DIR NX,NY,NZ NPROC
Prints one JSON object on the last line of stdout: times in seconds and the paths of the per-point CSVs
(point_index,qx,qy,qz,status_x,status_y,status_z; Q in 1/Angstrom, sample frame as X-SOCS computes it).
"""
import json
import os
import sys
import time


def _as_text(value):
    return value.decode() if isinstance(value, bytes) else value


def main():
    src, master, out_dir, dims, n_proc = sys.argv[1:6]
    # X-SOCS' workers each open the output file 'r+' and serialise writes with their own lock, as was fine before
    # HDF5 1.10 added file locking; with locking on, the second worker's open fails. HDF5's documented switch:
    os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
    sys.path.insert(0, os.path.abspath(src))
    import numpy as np
    from xsocs.io import XsocsH5 as xsocs_h5
    from xsocs.process.peak_fit import PeakFitter
    from xsocs.process.qspace import QSpaceConverter
    from xsocs.process.sharedresults import FitTypes

    # Compatibility with h5py 3, which returns variable-length string attributes as str where h5py 2 (X-SOCS' time)
    # returned bytes: X-SOCS 2017 calls .decode() on the NX_class of every root member to list the entries. Same
    # selection rule, accepting both.
    def _update_entries(self):
        with self._get_file() as h5_file:
            self._XsocsH5__entries = sorted(
                key for key in h5_file if _as_text(h5_file[key].attrs.get('NX_class')) == 'NXentry')

    xsocs_h5.XsocsH5._update_entries = _update_entries

    # X-SOCS declares the sample positions of its Q-space file float32 and then require_dataset()s them with the
    # input's dtype; h5py refuses float64 -> float32 as an unsafe cast. ID01's spec-derived positions were float32,
    # the synthetic set's are float64: hand X-SOCS the dtype its own file declares.
    from xsocs.io import QSpaceH5 as qspace_h5
    writer = qspace_h5.QSpaceH5Writer
    for name in ('set_sample_x', 'set_sample_y'):
        original = getattr(writer, name)
        setattr(writer, name, (lambda f: lambda self, v: f(self, np.asarray(v, dtype=writer.position_dtype)))(original))

    os.makedirs(out_dir, exist_ok=True)
    qspace_f = os.path.join(out_dir, 'xsocs_qspace.h5')
    if os.path.exists(qspace_f):
        os.remove(qspace_f)

    shape = [int(v) for v in dims.split(',')]
    converter = QSpaceConverter(master, shape, img_binning=(1, 1), output_f=qspace_f)
    converter.n_proc = int(n_proc)
    t0 = time.time()
    converter.convert(overwrite=True)
    t_convert = time.time() - t0
    if converter.status != QSpaceConverter.DONE:
        raise SystemExit('X-SOCS conversion failed: {0}'.format(converter.status_msg))

    report = {'convert_s': t_convert, 'qspace': qspace_f, 'dims': shape}
    for name, fit_type, centre in (('gaussian', FitTypes.GAUSSIAN, 'position'), ('centroid', FitTypes.CENTROID, 'COM')):
        fitter = PeakFitter(qspace_f, fit_type=fit_type, n_proc=int(n_proc))
        t0 = time.time()
        results = fitter.peak_fit()
        report[name + '_s'] = time.time() - t0
        process = list(results.processes())[0]
        qx = results.qx_results(process, centre)
        qy = results.qy_results(process, centre)
        qz = results.qz_results(process, centre)
        status = [np.asarray(results.status(axis)) for axis in range(3)]
        csv = os.path.join(out_dir, 'xsocs_{0}.csv'.format(name))
        with open(csv, 'w') as f:
            f.write('point_index,qx,qy,qz,status_x,status_y,status_z\n')
            for k in range(len(qx)):
                f.write('{0},{1!r},{2!r},{3!r},{4},{5},{6}\n'.format(
                    k, float(qx[k]), float(qy[k]), float(qz[k]),
                    int(status[0][k]), int(status[1][k]), int(status[2][k])))
        report[name + '_csv'] = csv

    with __import__('h5py').File(qspace_f, 'r') as h5:
        report['qx_range'] = [float(h5['Data/qx'][0]), float(h5['Data/qx'][-1])]
    print(json.dumps(report))


if __name__ == '__main__':
    main()
