#!/usr/bin/python3
"""Builds the two Cython extensions of an X-SOCS source tree in place, as X-SOCS' own xsocs/util/setup.py declares
them (no OpenMP flags there; X-SOCS parallelises with worker processes), without installing anything.

Needs Debian's python3-numpy, python3-h5py, python3-xrayutilities, cython3 and a C compiler.
Usage: /usr/bin/python3 build_xsocs.py XSOCS_SOURCE_DIR
"""
import os
import sys

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

root = os.path.abspath(sys.argv[1])
os.chdir(root)
# What X-SOCS' own build_py does: version.py becomes xsocs/_version.py (the package refuses to load without it).
with open('version.py') as src, open(os.path.join('xsocs', '_version.py'), 'w') as dst:
    dst.write(src.read())
util = os.path.join('xsocs', 'util', 'filt_utils')
extensions = [
    Extension('xsocs.util.filt_utils', [os.path.join(util, 'filt_utils.pyx')], include_dirs=[numpy.get_include()]),
    Extension('xsocs.util.histogramnd_lut', [os.path.join(util, 'histogramnd_lut.pyx')], include_dirs=[numpy.get_include()]),
]
setup(name='xsocs-extensions', ext_modules=cythonize(extensions, language_level=2, quiet=True),
      script_args=['build_ext', '--inplace', '--build-temp', os.path.join(root, 'build-temp')])
