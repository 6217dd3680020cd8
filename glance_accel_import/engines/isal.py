# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""gzip through Intel's ISA-L (the ``isal`` package), on the host's CPUs."""

from glance_accel_import.engines import base
from glance_accel_import.engines import zlib_api

try:
    import isal
    from isal import igzip_lib
    from isal import isal_zlib
except ImportError:  # the probe reports it
    isal = igzip_lib = isal_zlib = None


class IsalEngine(zlib_api.ZlibAPIEngine):
    name = 'isal'
    speed_rank = 100
    zlib_module = isal_zlib
    decode_errors = (isal_zlib.error,) if isal_zlib else ()

    def probe(self):
        if isal_zlib is None:
            return base.missing_package('isal')
        return base.Probe(available=True, hardware=False,
                          reason='ISA-L through isal %s' % isal.__version__)

    def native_level(self, level):
        # ISA-L has levels 0-3; 0 trades too much ratio for speed.
        return min(3, (level + 2) // 3)

    def new_decoder(self, fmt):
        # The bz2-style decompressor keeps input it has not used yet inside;
        # the zlib-style one copies it out as ``unconsumed_tail`` on every
        # bounded call, which costs a fifth of the time on volume images.
        # It checks the gzip CRC-32 and length the same way.
        return igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP)
